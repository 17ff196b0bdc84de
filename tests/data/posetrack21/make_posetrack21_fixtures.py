# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""Build the PoseTrack21-format fixtures from the real PoseTrack18 ones.

Reads ``tests/data/posetrack18/annotations/val/*.json`` (official
PoseTrack18 per-video ground truth, 3 videos, 14 people, ignore regions)
and writes ``posetrack_data/val/<video>.json`` here, in the layout of
PoseTrack21's ``posetrack_data`` files:

* every annotation gets ``person_id`` (``1000 * video number + track_id``);
* every image gets ``has_labeled_person``;
* every image gets one box-only person (a ``bbox`` and ``track_id``, all
  17 keypoint slots ``(0, 0, 0)``, no ``bbox_head``): the box of the
  image's first person moved right by its own width;
* the ignore regions are PoseTrack18's (1 to 9 polygons per image).

Run from the repository root: ``python
tests/data/posetrack21/make_posetrack21_fixtures.py``; the files are
committed.
"""
import glob
import json
import os
import os.path as osp

HERE = osp.dirname(osp.abspath(__file__))
SOURCE = osp.join(HERE, '..', 'posetrack18', 'annotations', 'val')


def convert(video: dict, number: int) -> dict:
    """One PoseTrack18 per-video file as PoseTrack21's."""
    video = json.loads(json.dumps(video))
    anns = video['annotations']
    for ann in anns:
        ann['person_id'] = 1000 * number + ann['track_id']
    next_id = max(a['id'] for a in anns) + 1
    next_track = max(a['track_id'] for a in anns) + 1
    for image in video['images']:
        people = [a for a in anns if a['image_id'] == image['id']]
        image['has_labeled_person'] = bool(people)
        x, y, w, h = people[0]['bbox']
        anns.append(
            dict(id=next_id, image_id=image['id'], category_id=1,
                 track_id=next_track, person_id=1000 * number + next_track,
                 bbox=[min(x + w, image['width'] - w), y, w, h],
                 keypoints=[0] * 51, scores=[], iscrowd=0, num_keypoints=0))
        next_id += 1
    return video


def main() -> None:
    out = osp.join(HERE, 'posetrack_data', 'val')
    os.makedirs(out, exist_ok=True)
    for number, path in enumerate(sorted(glob.glob(osp.join(SOURCE,
                                                            '*.json')))):
        with open(path) as f:
            video = convert(json.load(f), number)
        with open(osp.join(out, osp.basename(path)), 'w') as f:
            json.dump(video, f, indent=1)


if __name__ == '__main__':
    main()
