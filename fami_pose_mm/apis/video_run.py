# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""The frame loop of one call of the video inferencer: frames read in
order, key-frame windows predicted, drawn and written, and the stats of
the run."""
import time
import warnings
from collections import deque
from typing import (Callable, Deque, Dict, Generator, Iterator, List,
                    Optional, Tuple, Union)

import numpy as np
from mmengine.utils import ProgressBar
from mmpose.structures import PoseDataSample, split_instances

from ..cli import raise_on_sigterm
from ..datasets.video_reader import VideoFrameReader
from .feature_stream import FeatureStream
from .frame_window import FrameWindow, FrameWindowBuffer
from .run_outputs import RunOutputs
from .track_smoothing import TrackSmoother

#: ``predict(window) -> (PoseDataSample, track ids (N, ))`` of a run.
Predict = Callable[[FrameWindow], Tuple[PoseDataSample, np.ndarray]]
#: A key frame, its sample and its track ids (N, ).
Item = Tuple[FrameWindow, PoseDataSample, np.ndarray]
#: ``render(window, pred, track ids or None) -> RGB image (H, W, 3)``.
Render = Callable[[FrameWindow, PoseDataSample, Optional[np.ndarray]],
                  np.ndarray]


class VideoRun:
    """One run over an input: iterating it reads, predicts, draws and
    writes frame by frame, yielding one result dict per key frame (see
    ``VideoPoseInferencer.__call__``); it can be iterated once.

    If the run stops early (an error, Ctrl-C, SIGTERM, or the caller
    closes the generator), the outputs are closed with what was done and
    marked partial (see :class:`RunOutputs`) and an error gets a note
    naming the frame. While the run reads frames, SIGTERM (a job
    scheduler, ``timeout``, a closed terminal) raises
    :class:`~fami_pose_mm.cli.Terminated` as Ctrl-C raises
    ``KeyboardInterrupt`` (see :class:`~fami_pose_mm.cli.raise_on_sigterm`).
    :attr:`stats` is filled when the run ends, however it ends; one warning then gives the counts
    of the fallbacks (undecodable frames, boxes outside their frame,
    letterboxed output frames).

    Args:
        reader (VideoFrameReader): The input.
        buffer (FrameWindowBuffer | FeatureStream): Makes the key-frame
            windows of the frames pushed into it.
        predict (Predict): A readable key frame's sample and track ids.
        counts (Callable): ``counts() -> dict`` of the counters kept
            outside the loop (``tracks``, ``track_fallbacks``,
            ``boxes_outside``, ``backbone_crops``...), put in
            :attr:`stats` when the run ends.
        outputs (RunOutputs): The files of the run.
        empty_sample (Callable): The sample of a key frame without persons
            (an undecodable frame).
        render (Render, optional): Draws a frame; None: nothing is drawn
            (``visualization`` is None in the results).
        track_ids_drawn (bool): Give ``render`` the track ids (tracking),
            else None (ids are indices within the frame).
        return_vis (bool): Put the rendered frame in the results.
        return_datasamples (bool): Give :class:`PoseDataSample` instead of
            lists of instance dicts.
        streaming (bool): Whether the run streams (for :attr:`stats`).
        show_progress (bool): Show a progress bar.
        smoother (TrackSmoother, optional): Filters the keypoints per
            track; the frames are then written, drawn and yielded
            ``smoother.delay`` frames later (all of them by the end).
    """

    def __init__(self, reader: VideoFrameReader,
                 buffer: Union[FrameWindowBuffer, FeatureStream],
                 predict: Predict, counts: Callable[[], Dict],
                 outputs: RunOutputs,
                 empty_sample: Callable[[FrameWindow], PoseDataSample],
                 render: Optional[Render], track_ids_drawn: bool,
                 return_vis: bool, return_datasamples: bool,
                 streaming: bool, show_progress: bool,
                 smoother: Optional[TrackSmoother] = None) -> None:
        self.reader, self.buffer = reader, buffer
        self.predict, self.counts, self.outputs = predict, counts, outputs
        self.empty_sample, self.render = empty_sample, render
        self.track_ids_drawn = track_ids_drawn
        self.return_vis = return_vis
        self.return_datasamples = return_datasamples
        self.show_progress = show_progress
        self.smoother = smoother
        self._pending: Deque[Item] = deque()
        self.stats = dict(frames=0, persons=0, reads=0, unreadable=0,
                          boxes_outside=0, resized=0, tracks=0,
                          track_fallbacks=0, streaming=streaming,
                          backbone_crops=0, person_frames=0,
                          support_substituted=0, support_from_key=0,
                          cache_peak_frames=0, seconds=0.0, partial=False)

    def __iter__(self) -> Generator:
        """Read, process and write frame by frame."""
        reader, buffer, outputs = self.reader, self.buffer, self.outputs
        progress = ProgressBar(len(reader)) if self.show_progress else None
        start = time.perf_counter()
        at = [0]  # the frame being read, buffered or processed

        def windows() -> Iterator[FrameWindow]:
            for pushed, (name, frame) in enumerate(reader):
                at[0] = pushed
                yield from buffer.push(name, frame)
                at[0] = pushed + 1
            yield from buffer.flush()

        def results() -> Iterator[Dict]:
            for window in windows():
                at[0] = window.index
                for item in self._ready(self._predict(window)):
                    at[0] = item[0].index
                    yield self._emit(item)
                    if progress is not None:
                        progress.update()
            for item in self._rest():
                at[0] = item[0].index
                yield self._emit(item)
                if progress is not None:
                    progress.update()

        with raise_on_sigterm():
            try:
                yield from results()
            except GeneratorExit:
                self.stats['partial'] = True
                outputs.close(at[0] + 1, 'stopped by the caller after frame '
                              f'{at[0]}')
                raise
            except BaseException as err:
                self.stats['partial'] = True
                try:
                    self._write_held()
                    written = outputs.close(at[0],
                                            f'{type(err).__name__}: {err}')
                except Exception as close_err:  # keep the first error
                    written = f'none ({close_err})'
                err.add_note(f'The run on {reader.label} stopped at frame '
                             f'{at[0]}; output written: {written or "none"}')
                raise
            else:
                outputs.close()
            finally:
                self.stats.update(self.counts())
                self._finish_stats(start)

    def _predict(self, window: FrameWindow) -> Item:
        """A key frame's sample and track ids (an empty sample for an
        undecodable frame)."""
        if not window.readable:
            pred = self.empty_sample(window)
            ids = np.zeros(0, np.int64)
        else:
            pred, ids = self.predict(window)
        pred.pred_instances.track_ids = ids
        return window, pred, ids

    def _ready(self, item: Item) -> List[Item]:
        """The items whose filter has what it needs (all, unfiltered)."""
        if self.smoother is None:
            return [item]
        window, pred, ids = item
        if window.readable:
            self.smoother.push(window.index, pred.pred_instances.keypoints,
                               ids)
        self._pending.append(item)
        ready = []
        while self._pending and (self._pending[0][0].index +
                                 self.smoother.delay <= window.index):
            ready.append(self._smooth(self._pending.popleft()))
        return ready

    def _rest(self) -> List[Item]:
        """The items still held for the filter, at the end of the input."""
        rest = [self._smooth(item) for item in self._pending]
        self._pending.clear()
        return rest

    def _smooth(self, item: Item) -> Item:
        window, pred, ids = item
        if window.readable and len(ids):
            inst = pred.pred_instances
            inst.keypoints = self.smoother.smoothed(
                window.index, inst.keypoints, ids).astype(
                    inst.keypoints.dtype)
        return item

    def _emit(self, item: Item) -> Dict:
        """Write and draw one key frame; its result dict."""
        window, pred, ids = item
        vis = [] if self.render is not None else None  # MMPose: None
        if not window.readable:
            people = []
            num_keypoints = pred.pred_instances.keypoints.shape[1]
            self.outputs.add_unreadable(window.index, window.name,
                                        num_keypoints)
        else:
            people = split_instances(pred.pred_instances)
            for person, track_id in zip(people, ids):
                person['track_id'] = int(track_id)
            image = None
            if self.render is not None:
                image = self.render(window, pred,
                                    ids if self.track_ids_drawn else None)
                if self.return_vis:
                    vis.append(image)
            self.outputs.add(window.index, window.name, pred.pred_instances,
                             image, people)
        self.stats['frames'] += 1
        self.stats['persons'] += len(pred.pred_instances)
        return dict(
            frame_index=window.index,
            frame_name=window.name,
            readable=window.readable,
            predictions=[pred if self.return_datasamples else people],
            visualization=vis)

    def _write_held(self) -> None:
        """Write the frames the filter still holds (a run that stops on
        an error keeps every frame it predicted)."""
        for item in self._rest():
            self._emit(item)

    def _finish_stats(self, start: float) -> None:
        """Fill :attr:`stats`; one warning with the counts of the
        fallbacks."""
        reader = self.reader
        self.stats.update(reads=reader.num_reads,
                          unreadable=len(reader.unreadable),
                          resized=self.outputs.resized,
                          seconds=time.perf_counter() - start)
        counts = [(self.stats['unreadable'], 'undecodable frames skipped '
                   '(empty entries)'),
                  (self.stats['boxes_outside'], 'boxes outside their frame '
                   'dropped'),
                  (self.stats['resized'], 'output frames letterboxed to the '
                   'first frame\'s size')]
        done = [f'{n} {what}' for n, what in counts if n]
        if done:
            warnings.warn(f'run on {reader.label}: {"; ".join(done)}')
