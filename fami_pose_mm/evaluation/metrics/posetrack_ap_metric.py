# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""PoseTrack18 mAP (and tracking MOTA) without the ``poseval`` package;
PoseTrack21 mAP (and keypoint HOTA) without the PoseTrack21 kit."""
import os
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmengine.fileio import load
from mmengine.logging import MMLogger
from mmpose.evaluation.metrics import CocoMetric
from mmpose.registry import METRICS
from terminaltables import AsciiTable

from fami_pose_mm.fileio import PoseTrackVideoWriter
from fami_pose_mm.fileio.posetrack_folders import DATASETS
from ..functional import (evaluate_posetrack, evaluate_posetrack21_hota,
                          evaluate_posetrack21_map, evaluate_tracking,
                          load_posetrack18_folders, prepare_videos)

#: Metric names returned by mmpose's ``PoseTrack18Metric`` (same order as
#: the groups Head, Shoulder, Elbow, Wrist, Hip, Knee, Ankle, Total).
STATS_NAMES = ('Head AP', 'Shou AP', 'Elb AP', 'Wri AP', 'Hip AP', 'Knee AP',
               'Ankl AP', 'AP')
#: With ``tracking=True``, also (Head ... Ankle, Total MOTA, then MOTP,
#: precision and recall of the tracking evaluation).
TRACKING_NAMES = ('Head MOTA', 'Shou MOTA', 'Elb MOTA', 'Wri MOTA',
                  'Hip MOTA', 'Knee MOTA', 'Ankl MOTA', 'MOTA', 'MOTP',
                  'MOT Prec', 'MOT Rec')
#: With ``dataset='posetrack21'`` and ``tracking=True``: the keypoint HOTA
#: summary (x100, the PoseTrack21 kit's).
HOTA_NAMES = ('HOTA', 'DetA', 'AssA', 'LocA', 'DetRe', 'DetPr', 'AssRe',
              'AssPr')


@METRICS.register_module()
class PoseTrackAPMetric(CocoMetric):
    """PoseTrack18 per-frame multi-person AP, equal to the official one.

    Same arguments, prediction gathering, rescoring, OKS-NMS, per-video
    output files and returned keys (``posetrack18/Head AP`` ...
    ``posetrack18/AP``) as mmpose's ``PoseTrack18Metric``; only the
    evaluation is computed here (``fami_pose_mm.evaluation.functional``)
    instead of by the ``poseval`` package. A :class:`CocoMetric`, as
    ``PoseTrack18Metric`` is: the three methods that class adds (its
    constructor's ``poseval`` check, the per-video files and the
    evaluation) are this class's own.

    Args:
        ann_file (str, optional): COCO-style annotation file. The official
            per-video ground truth is looked up next to it, as mmpose does:
            ``xxx/posetrack18_val.json`` -> ``xxx/val/``.
        gt_folder (str, optional): Folder of the official per-video
            ground-truth files; overrides the lookup from ``ann_file``.
        score_mode (str): ``'bbox_keypoint'`` (score = box score x mean
            keypoint score above ``keypoint_score_thr``), ``'bbox'``,
            ``'keypoint'`` or ``'bbox_rle'``. Defaults to
            ``'bbox_keypoint'``.
        keypoint_score_thr (float): See ``score_mode``. Defaults to 0.2.
        nms_mode (str): ``'oks_nms'``, ``'soft_oks_nms'`` or ``'none'``.
            Defaults to ``'oks_nms'``.
        nms_thr (float): OKS threshold of the NMS. Defaults to 0.9.
        format_only (bool): Only write the prediction files (for the
            evaluation server) into the folder of ``outfile_prefix``.
        outfile_prefix (str, optional): ``'dir/prefix'``: prediction files
            go to ``dir/<video>.json``. A temporary folder if None.
        collect_device (str): ``'cpu'`` or ``'gpu'``.
        prefix (str, optional): Key prefix. Defaults to ``'posetrack18'``.
        dataset (str): ``'posetrack18'`` (PoseTrack17/18 ground truth,
            ``poseval``'s AP and MOTA) or ``'posetrack21'`` (PoseTrack21
            ``posetrack_data`` ground truth, the PoseTrack21 kit's mAP and
            keypoint HOTA; keys ``posetrack21/...``). A ground-truth file of
            the other dataset is refused. Defaults to ``'posetrack18'``.
        tracking (bool): Also evaluate tracking (``posetrack18/MOTA`` ...,
            see ``TRACKING_NAMES``; PoseTrack21: ``posetrack21/HOTA`` ...,
            see ``HOTA_NAMES``). Each data sample must carry the
            ``track_id`` of its person (the dataset passes on the
            annotation's or the detection file's ``track_id``); the
            prediction files get these ids. Defaults to False (track id =
            position in the frame, as mmpose writes it).
    """
    default_prefix: Optional[str] = 'posetrack18'

    def __init__(self,
                 ann_file: Optional[str] = None,
                 gt_folder: Optional[str] = None,
                 score_mode: str = 'bbox_keypoint',
                 keypoint_score_thr: float = 0.2,
                 nms_mode: str = 'oks_nms',
                 nms_thr: float = 0.9,
                 format_only: bool = False,
                 outfile_prefix: Optional[str] = None,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None,
                 tracking: bool = False,
                 dataset: str = 'posetrack18') -> None:
        if ann_file is None and gt_folder is None:
            raise ValueError('PoseTrackAPMetric needs ann_file or gt_folder '
                             'to find the per-video ground-truth files')
        if dataset not in DATASETS:
            raise ValueError("PoseTrackAPMetric's dataset must be one of "
                             f'{DATASETS}, got {dataset!r}')
        if prefix is None and dataset == 'posetrack21':
            prefix = 'posetrack21'
        super().__init__(
            ann_file=ann_file,
            score_mode=score_mode,
            keypoint_score_thr=keypoint_score_thr,
            nms_mode=nms_mode,
            nms_thr=nms_thr,
            format_only=format_only,
            outfile_prefix=outfile_prefix,
            collect_device=collect_device,
            prefix=prefix)
        self.gt_folder = gt_folder
        self.tracking = tracking
        self.dataset = dataset
        self._track_of: Dict[int, int] = {}

    def process(self, data_batch: Sequence[dict],
                data_samples: Sequence[dict]) -> None:
        """mmpose's gathering; with ``tracking``, each sample's
        ``track_id`` is kept with its prediction."""
        super().process(data_batch, data_samples)
        if self.tracking:
            added = self.results[len(self.results) - len(data_samples):]
            for (pred, _), sample in zip(added, data_samples):
                pred['track_id'] = sample.get('track_id')

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """mmpose's computation; with ``tracking``, the track ids of all
        gathered predictions are checked first."""
        if self.tracking:
            self._track_of = {}
            for pred, _ in results:
                if pred.get('track_id') is None:
                    raise ValueError(
                        f"tracking=True, but the sample id {pred['id']} "
                        f"(image {pred['img_id']}) has no track_id: use "
                        'ground-truth boxes with track_id, or a detection '
                        'file with a track_id per detection, and keep '
                        "'track_id' in PackPoseInputs' meta_keys")
                self._track_of[pred['id']] = int(pred['track_id'])
        return super().compute_metrics(results)

    def _gt_dir(self) -> str:
        """Folder of the per-video ground truth (mmpose's rule)."""
        if self.gt_folder is not None:
            folder = self.gt_folder
        else:
            folder = osp.join(
                osp.dirname(self.ann_file),
                osp.splitext(self.ann_file.split('_')[-1])[0])
        if not osp.isdir(folder):
            raise FileNotFoundError(
                f'per-video ground-truth folder {folder} does not exist '
                '(set gt_folder, or put it next to ann_file as mmpose does)')
        return folder

    def results2json(self, keypoints: Dict[int, list],
                     outfile_prefix: str) -> str:
        """Write one prediction file per ground-truth video.

        PoseTrack18 format (``images``/``annotations``), or PoseTrack17
        format (``annolist``) when the ground-truth file is PoseTrack17.

        Args:
            keypoints (Dict[int, list]): Per image id, the kept instances
                (``keypoints`` ``(17, 3)`` with scores, ``score``).
            outfile_prefix (str): Files go to ``dirname(outfile_prefix)``,
                named as the ground-truth files.

        Returns:
            str: The output folder.
        """
        gt_dir = self._gt_dir()
        out_dir = osp.dirname(outfile_prefix)
        os.makedirs(out_dir, exist_ok=True)
        for json_file in sorted(os.listdir(gt_dir)):
            if not json_file.endswith('.json'):
                continue
            gt = load(osp.join(gt_dir, json_file))
            if 'annolist' in gt:  # PoseTrack17 ground truth
                writer = self._annolist(gt, keypoints, json_file)
            else:
                writer = PoseTrackVideoWriter()
                for image in gt['images']:
                    writer.add_image(image['id'], image['file_name'])
                    self._add_people(writer, image['id'],
                                     keypoints.get(image['id'], []))
            writer.dump(osp.join(out_dir, json_file))
        return out_dir

    def _add_people(self, writer: PoseTrackVideoWriter, image_id: int,
                    instances: List[dict]) -> None:
        """Add the kept instances of a frame; track id = the sample's with
        ``tracking``, else the position in the frame."""
        for k, inst in enumerate(instances):
            track_id = self._track_of[inst['id']] if self.tracking else k
            writer.add_person(image_id,
                              np.reshape(inst['keypoints'], (-1, 3)),
                              inst['score'], track_id)

    def _annolist(self, gt: dict, keypoints: Dict[int, list],
                  where: str) -> PoseTrackVideoWriter:
        """PoseTrack17 (``annolist``) predictions for a PoseTrack17 video.

        Frames are matched to image ids through ``ann_file`` by the last
        two parts of the image path (``<sequence>/<frame>.jpg``).
        """
        if self.coco is None:
            raise ValueError(f'{where}: PoseTrack17 ground truth needs '
                             'ann_file to map frames to image ids')
        ids = {
            '/'.join(img['file_name'].split('/')[-2:]): img_id
            for img_id, img in self.coco.imgs.items()
        }
        writer, unknown = PoseTrackVideoWriter(annolist=True), 0
        for k, frame in enumerate(gt['annolist']):
            name = frame['image'][0]['name']
            img_id = ids.get('/'.join(name.split('/')[-2:]))
            unknown += img_id is None and bool(frame.get('annorect'))
            writer.add_image(k, name)  # frame position: ids may be unknown
            self._add_people(writer, k, keypoints.get(img_id, []))
        if unknown:
            MMLogger.get_current_instance().warning(
                f'{where}: {unknown} annotated frames are not in ann_file '
                '(matched by <sequence>/<frame>); they get no predictions')
        return writer

    def _do_python_keypoint_eval(self, outfile_prefix: str) -> List[tuple]:
        """Evaluate the written prediction files against the ground truth.

        Args:
            outfile_prefix (str): As passed to :meth:`results2json`.

        Returns:
            list[tuple]: ``(name, value)`` for ``STATS_NAMES`` (and
            ``TRACKING_NAMES`` with ``tracking``).
        """
        logger: MMLogger = MMLogger.get_current_instance()
        gt_frames, pred_frames, videos = load_posetrack18_folders(
            self._gt_dir(), osp.dirname(outfile_prefix), self.tracking,
            dataset=self.dataset)
        if self.dataset == 'posetrack21':
            kit_frames = prepare_videos(gt_frames, pred_frames)
            summary = evaluate_posetrack21_map(kit_frames)['summary']
            protocol = 'PoseTrack21 kit'
        else:
            summary = evaluate_posetrack(gt_frames, pred_frames)['summary']
            protocol = 'poseval protocol'
        logger.info(f'{len(videos)} videos, {len(gt_frames)} frames\n' +
                    _table(summary, f'PoseTrack AP ({protocol})'))
        stats = list(zip(STATS_NAMES, summary.values()))
        if self.tracking and self.dataset == 'posetrack21':
            hota = evaluate_posetrack21_hota(kit_frames)['summary']
            hota = {k: hota[k] for k in HOTA_NAMES}
            logger.info(_table(hota, 'PoseTrack21 keypoint HOTA (kit)'))
            stats += list(hota.items())
        elif self.tracking:
            track = evaluate_tracking(gt_frames, pred_frames)['summary']
            logger.info(_table(track, 'PoseTrack MOTA (poseval protocol)'))
            stats += list(zip(TRACKING_NAMES, track.values()))
        return stats


def _table(summary: Dict[str, float], title: str) -> str:
    """A one-row table of a summary."""
    return AsciiTable([list(summary), [f'{v:.1f}' for v in summary.values()]],
                      title).table
