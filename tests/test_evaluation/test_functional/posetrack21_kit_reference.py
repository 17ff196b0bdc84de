# Copyright (c) fami-pose-mm contributors. All rights reserved.
"""A plain transcription of the official PoseTrack21 evaluation kit's
logic, for the equality tests only.

The kit (GitHub ``anDoer/PoseTrack21``, ``eval/posetrack21``) pins an old
numpy and is not on the package index, so the tests cannot call it. This
module follows it step by step, in the kit's order of operations, from
these files under ``eval/posetrack21/posetrack21/trackeval/``:

* ``datasets/posetrack.py`` (``PoseTrack``: ``_load_raw_file``,
  ``get_raw_seq_data``, ``remove_empty_frames``, ``remove_ignored_points``,
  ``_calculate_pckh``, ``get_preprocessed_seq_data``; the per-frame id
  check ``_check_unique_ids`` is TrackEval's ``_BaseDataset`` one);
* ``metrics/hota_pose.py`` (``HOTAeypoints``: ``distance2sim``,
  ``eval_sequence``, ``_compute_final_fields``, ``combine_sequences``);
* ``metrics/map.py`` (``PosemAP``: ``eval_sequence``, ``compute_metrics``,
  ``VOCap``, ``compute_rpc``, ``get_cum_vals``, ``_compute_final_fields``);
* ``metrics/_base_metric.py`` (``_combine_sum``, ``_combine_weighted_av``);
* ``eval.py`` / ``eval_pose.py`` (sequences in sorted file-name order,
  one ``combine_sequences`` over them).

Only what no longer runs on current numpy is changed (``np.int`` ->
``int``, ``np.float`` -> ``float``); ``utils.count_valid_joints`` is not
available and is taken as the per-joint count of points with x, y > 0.
Where the kit crashes, this module raises too (comments marked ``kit
crash``); in map.py's "no gt" branch, whose NameErrors would stop it,
``NotImplementedError`` is raised instead.
"""
import numpy as np
from scipy.optimize import linear_sum_assignment
from shapely import geometry

N_JOINTS = 15
N_RAW_JOINTS = 17
ARRAY_LABELS = np.arange(0.05, 0.99, 0.05)

INTEGER_FIELDS = ['HOTA_TP(0)', 'HOTA_FN(0)', 'HOTA_FP(0)']
INTEGER_ARRAY_FIELDS = ['HOTA_TP', 'HOTA_FN', 'HOTA_FP']
FLOAT_ARRAY_FIELDS = [
    'HOTA', 'DetA', 'AssA', 'FragA', 'DetRe', 'DetPr', 'AssRe', 'AssPr',
    'LocA', 'RHOTA', 'FA-HOTA', 'FA-RHOTA'
]
FLOAT_FIELDS = ['HOTA(0)', 'LocA(0)', 'HOTALocA(0)']


class TrackEvalException(Exception):
    """The kit's ``utils.TrackEvalException``."""


class Joint:
    """``map.Joint``: indices in the 15-joint order."""
    nose = 0
    head_bottom = 1
    head_top = 2
    left_shoulder = 3
    right_shoulder = 4
    left_elbow = 5
    right_elbow = 6
    left_wrist = 7
    right_wrist = 8
    left_hip = 9
    right_hip = 10
    left_knee = 11
    right_knee = 12
    left_ankle = 13
    right_ankle = 14


# ---------------------------------------------------------------------------
# datasets/posetrack.py
# ---------------------------------------------------------------------------


def _count_valid_joints(dets):
    """``utils.count_valid_joints``, which is not available: taken as the
    per-joint count (over persons) of points with x > 0 and y > 0."""
    return np.sum((dets[:, :, 0] > 0) & (dets[:, :, 1] > 0), axis=0)


def _get_head_size(x1, y1, x2, y2):
    """``PoseTrack._get_head_size``."""
    head_size = 0.6 * np.linalg.norm(np.subtract([x2, y2], [x1, y1]))
    return head_size


def _load_raw_file(read_data, seq, is_gt, num_timesteps):
    """``PoseTrack._load_raw_file`` on an already loaded JSON dict;
    ``num_timesteps`` is the kit's ``seq_lengths[seq]``, the number of
    images of the GT file (used for the prediction file too)."""
    image_data = {
        img['id']: {**img, 'annotations': []}
        for img in read_data['images']
    }
    image_ids = list(image_data.keys())

    for ann in read_data['annotations']:
        im_id = ann['image_id']
        image_data[im_id]['annotations'].append(ann)

    data_keys = ['ids', 'classes', 'dets', 'image_ids']
    if is_gt:
        data_keys += [
            'gt_crowd_ignore_regions', 'gt_extras', 'head_sizes',
            'ignore_regions', 'is_labeled'
        ]
    else:
        data_keys += ['tracker_confidences', 'keypoint_detected']
    raw_data = {key: [None] * num_timesteps for key in data_keys}

    for t in range(num_timesteps):
        im_id = image_ids[t]
        frame_data = image_data[im_id]

        raw_data['image_ids'][t] = im_id
        if is_gt:
            raw_data['ignore_regions'][t] = (frame_data['ignore_regions_x'],
                                             frame_data['ignore_regions_y'])
            raw_data['is_labeled'][t] = frame_data['is_labeled']

        frame_annotations = frame_data['annotations']
        track_ids = []
        keypoints = []
        scores = []
        head_sizes = []
        for p in frame_annotations:
            track_ids.append(p['track_id'])
            keypoints.append(p['keypoints'])

            if 'scores' not in p:
                p_score = [-9999 for _ in range(N_RAW_JOINTS)]
                scores.append(p_score)
            else:
                scores.append(p['scores'])

            if is_gt:
                head_bb = p['bbox_head']
                x1, y1, w, h = head_bb
                x2, y2 = x1 + w, y1 + h
                head_size = _get_head_size(x1, y1, x2, y2)
                head_sizes.append(head_size)

        track_ids = np.array(track_ids)
        keypoints = np.array(keypoints).reshape([-1, N_RAW_JOINTS, 3])
        keypoints = np.delete(keypoints, [3, 4], axis=1)

        scores = np.array(scores).reshape([-1, N_RAW_JOINTS])
        scores = np.delete(scores, [3, 4], axis=1)

        if not is_gt:
            # kit quirk kept: with integer keypoints the scores are cast
            # to int here.
            keypoints[:, :, 2] = scores

            raw_data['keypoint_detected'][t] = ((keypoints[:, :, 0] > 0)
                                                & (keypoints[:, :, 1] > 0)
                                                & (keypoints[:, :, 2] > 0))

        if len(frame_annotations) > 0:
            raw_data['dets'][t] = keypoints
            raw_data['ids'][t] = track_ids
            raw_data['classes'][t] = np.ones_like(raw_data['ids'][t])

            if not is_gt:
                raw_data['tracker_confidences'][t] = scores
            else:
                raw_data['gt_extras'][t] = {}
                raw_data['head_sizes'][t] = head_sizes
        else:
            raw_data['dets'][t] = np.empty((0, N_JOINTS, 3))
            raw_data['ids'][t] = np.empty(0).astype(int)
            raw_data['classes'][t] = np.empty(0).astype(int)
            if is_gt:
                # head_sizes[t] stays None here (kit crash later, in
                # _calculate_pckh, for a labelled frame without GT).
                gt_extras_dict = {'zero_marked': np.empty(0)}
                raw_data['gt_extras'][t] = gt_extras_dict
            else:
                raw_data['tracker_confidences'][t] = np.empty(0)
        if is_gt:
            raw_data['gt_crowd_ignore_regions'][t] = np.empty((0, 4))

    if is_gt:
        key_map = {
            'ids': 'gt_ids',
            'classes': 'gt_classes',
            'dets': 'gt_dets',
            'head_sizes': 'head_sizes',
            'ignore_regions': 'ignore_regions',
            'image_ids': 'image_ids',
            'is_labeled': 'is_labeled'
        }
    else:
        key_map = {
            'ids': 'tracker_ids',
            'classes': 'tracker_classes',
            'dets': 'tracker_dets',
            'image_ids': 'image_ids',
            'keypoint_detected': 'keypoint_detected'
        }
    for k, v in key_map.items():
        raw_data[v] = raw_data.pop(k)
    raw_data['num_timesteps'] = num_timesteps
    raw_data['seq'] = seq
    return raw_data


def _remove_empty_frames(raw_data, is_labeled):
    """``PoseTrack.remove_empty_frames``: keep the labelled frames of every
    per-frame list."""
    new_data = {}
    for k, v in raw_data.items():
        if isinstance(v, list):
            new_data[k] = []
            assert len(is_labeled) == len(v)

            for t in range(len(v)):
                if is_labeled[t]:
                    new_data[k].append(v[t])
        else:
            new_data[k] = v
    return new_data


def _remove_ignored_points(dets, poly_list):
    """``PoseTrack.remove_ignored_points``: (persons, joints) mask of the
    points inside any ignore polygon."""
    remove_idxs = np.zeros([dets.shape[0], dets.shape[1]], dtype=bool)
    for pidx in range(len(dets)):
        points = dets[pidx]
        for j in range(len(points)):
            pt = geometry.Point(points[j, 0], points[j, 1])
            b_ignore = False

            for poidx in range(len(poly_list)):
                poly = poly_list[poidx]
                if poly.contains(pt):
                    b_ignore = True
                    break
            if b_ignore:
                remove_idxs[pidx, j] = True

    return remove_idxs


def _calculate_pckh(gt_dets_t, tracker_dets_t, head_sizes_t,
                    dist_thres=0.5):
    """``PoseTrack._calculate_pckh``: (pck, dist, match) between the GT
    and the predicted persons of one frame."""
    # kit crash: head_sizes_t is None for a labelled frame without any GT
    # person (TypeError).
    assert len(gt_dets_t) == len(head_sizes_t)

    dist = np.full((len(gt_dets_t), len(tracker_dets_t), N_JOINTS), np.inf)

    # kit crash: gt_dets_t is a 1-D empty array when the ignore regions
    # removed every GT person of the frame (IndexError).
    joint_has_gt = (gt_dets_t[:, :, 0] > 0) & (gt_dets_t[:, :, 1] > 0)

    joint_has_pr = ((tracker_dets_t[:, :, 0] > 0)
                    & (tracker_dets_t[:, :, 1] > 0))

    for gt_i in range(len(gt_dets_t)):
        head_size_i = head_sizes_t[gt_i]

        for det_i in range(len(tracker_dets_t)):
            for j in range(N_JOINTS):
                if joint_has_gt[gt_i, j] and joint_has_pr[det_i, j]:
                    gt_point = gt_dets_t[gt_i, j, :2]
                    det_point = tracker_dets_t[det_i, j, :2]

                    dist[gt_i, det_i, j] = np.linalg.norm(
                        np.subtract(gt_point, det_point)) / head_size_i

    nGTp = np.sum(joint_has_gt, axis=1)
    match = dist <= dist_thres
    pck = 1.0 * np.sum(match, axis=2)
    for i in range(joint_has_gt.shape[0]):
        for j in range(joint_has_pr.shape[0]):
            if nGTp[i] > 0:
                pck[i, j] = pck[i, j] / nGTp[i]

    return pck, dist, match


def _get_raw_seq_data(gt_video, pred_video, seq):
    """``PoseTrack.get_raw_seq_data``: load both files, keep the labelled
    frames, apply the ignore regions, compute pckh / distances / matches."""
    seq_length = len(gt_video['images'])
    raw_gt_data = _load_raw_file(gt_video, seq, True, seq_length)
    raw_tracker_data = _load_raw_file(pred_video, seq, False, seq_length)

    if len(raw_gt_data['image_ids']) != len(raw_tracker_data['image_ids']):
        raise TrackEvalException(
            'The number of frames does not match ground truth')

    # 1) keep only the frames with GT annotations (is_labeled)
    raw_gt_data_new = _remove_empty_frames(raw_gt_data,
                                           raw_gt_data['is_labeled'])
    raw_tracker_data_new = _remove_empty_frames(raw_tracker_data,
                                                raw_gt_data['is_labeled'])

    raw_gt_data_new['num_timesteps'] = len(raw_gt_data_new['image_ids'])
    raw_tracker_data_new['num_timesteps'] = len(
        raw_tracker_data_new['image_ids'])

    # 2) ignore regions
    for t, (ignore_regions_t, gt_dets_t, tracker_dets_t, image_id_t1,
            image_id_t2) in enumerate(
                zip(raw_gt_data_new['ignore_regions'],
                    raw_gt_data_new['gt_dets'],
                    raw_tracker_data_new['tracker_dets'],
                    raw_gt_data_new['image_ids'],
                    raw_tracker_data_new['image_ids'])):

        assert image_id_t1 == image_id_t2
        regions_x, regions_y = ignore_regions_t
        if len(regions_x) == 0:
            continue

        poly_list = []
        for ridx in range(len(regions_x)):
            region_x = regions_x[ridx]
            region_y = regions_y[ridx]

            point_list = []
            for pidx in range(len(region_x)):
                pt = geometry.Point(region_x[pidx], region_y[pidx])
                point_list.append(pt)
            poly = geometry.Polygon([[p.x, p.y] for p in point_list])
            poly_list.append(poly)

        remove_det_idxs = _remove_ignored_points(tracker_dets_t, poly_list)
        remove_gt_idxs = _remove_ignored_points(gt_dets_t, poly_list)

        tracker_confidences = []
        tracker_ids = []
        tracker_classes = []
        tracker_dets = []
        for pidx in range(len(remove_det_idxs)):
            # person dropped when all its points are in ignore regions
            if np.sum(remove_det_idxs[pidx]) == remove_det_idxs[pidx].shape[0]:
                continue

            confidences = raw_tracker_data_new['tracker_confidences'][t][pidx]
            track_id = raw_tracker_data_new['tracker_ids'][t][pidx]
            classe = raw_tracker_data_new['tracker_classes'][t][pidx]
            det = raw_tracker_data_new['tracker_dets'][t][pidx]

            # in place, as in the kit (views into the frame arrays)
            for j in range(len(remove_det_idxs[pidx])):
                if remove_det_idxs[pidx][j]:
                    confidences[j] = 0
                    det[j] = [0, 0, 0]

            invalid = (det[:, 0] <= 0) & (det[:, 1] <= 0)
            if np.sum(invalid) == det.shape[0]:
                continue

            tracker_confidences.append(confidences)
            tracker_ids.append(track_id)
            tracker_classes.append(classe)
            tracker_dets.append(det)

        raw_tracker_data_new['tracker_confidences'][t] = np.array(
            tracker_confidences).reshape([-1, N_JOINTS])
        raw_tracker_data_new['tracker_ids'][t] = np.array(tracker_ids)
        raw_tracker_data_new['tracker_classes'][t] = np.array(tracker_classes)
        raw_tracker_data_new['tracker_dets'][t] = np.array(
            tracker_dets).reshape([-1, N_JOINTS, 3])

        gt_ids = []
        gt_classes = []
        gt_dets = []
        head_sizes = []

        for pidx in range(len(remove_gt_idxs)):
            if np.sum(remove_gt_idxs[pidx]) == remove_gt_idxs[pidx].shape[0]:
                continue

            gt_id = raw_gt_data_new['gt_ids'][t][pidx]
            head_size = raw_gt_data_new['head_sizes'][t][pidx]
            gt_class = raw_gt_data_new['gt_classes'][t][pidx]
            gt_pose = raw_gt_data_new['gt_dets'][t][pidx]

            for j in range(len(remove_gt_idxs[pidx])):
                if remove_gt_idxs[pidx][j]:
                    gt_pose[j] = [0, 0, 0]

            invalid = (gt_pose[:, 0] <= 0) & (gt_pose[:, 1] <= 0)
            if np.sum(invalid) == gt_pose.shape[0]:
                continue

            gt_ids.append(gt_id)
            gt_classes.append(gt_class)
            gt_dets.append(gt_pose)
            head_sizes.append(head_size)

        raw_gt_data_new['gt_ids'][t] = np.array(gt_ids)
        raw_gt_data_new['gt_classes'][t] = np.array(gt_classes)
        # no reshape here in the kit: with no GT person left this is a 1-D
        # empty array (kit crash in _calculate_pckh).
        raw_gt_data_new['gt_dets'][t] = np.array(gt_dets)
        raw_gt_data_new['head_sizes'][t] = np.array(head_sizes)

    raw_data = {**raw_tracker_data_new, **raw_gt_data_new}

    similarity_scores = []
    keypoint_distances = []
    keypoint_matches = []
    for t, (gt_dets_t, tracker_dets_t, head_sizes_t) in enumerate(
            zip(raw_data['gt_dets'], raw_data['tracker_dets'],
                raw_data['head_sizes'])):
        pckhs, distances, matches = _calculate_pckh(gt_dets_t,
                                                    tracker_dets_t,
                                                    head_sizes_t)
        similarity_scores.append(pckhs)
        keypoint_distances.append(distances)
        keypoint_matches.append(matches)

    raw_data['similarity_scores'] = similarity_scores
    raw_data['keypoint_distances'] = keypoint_distances
    raw_data['keypoint_matches'] = keypoint_matches
    return raw_data


def _check_unique_ids(data, after_preproc=False):
    """TrackEval's ``_BaseDataset._check_unique_ids``: ids unique per
    frame, for the predictions and for the GT."""
    gt_ids = data['gt_ids']
    tracker_ids = data['tracker_ids']
    for t, (gt_ids_t, tracker_ids_t) in enumerate(zip(gt_ids, tracker_ids)):
        if len(tracker_ids_t) > 0:
            unique_ids, counts = np.unique(tracker_ids_t, return_counts=True)
            if np.max(counts) != 1:
                duplicate_ids = unique_ids[counts > 1]
                exc_str_init = ('Tracker predicts the same ID more than once '
                                'in a single timestep (seq: %s, frame: %i, '
                                'ids:' % (data['seq'], t + 1))
                exc_str = ' '.join([exc_str_init]
                                   + [str(d) for d in duplicate_ids]) + ')'
                raise TrackEvalException(exc_str)
        if len(gt_ids_t) > 0:
            unique_ids, counts = np.unique(gt_ids_t, return_counts=True)
            if np.max(counts) != 1:
                duplicate_ids = unique_ids[counts > 1]
                exc_str_init = ('Ground-truth has the same ID more than once '
                                'in a single timestep (seq: %s, frame: %i, '
                                'ids:' % (data['seq'], t + 1))
                exc_str = ' '.join([exc_str_init]
                                   + [str(d) for d in duplicate_ids]) + ')'
                raise TrackEvalException(exc_str)


def _get_preprocessed_seq_data(raw_data):
    """``PoseTrack.get_preprocessed_seq_data``: copy the per-frame data,
    relabel the ids of the sequence to 0..n-1, count dets and joints."""
    _check_unique_ids(raw_data)

    data_keys = [
        'gt_ids', 'tracker_ids', 'gt_dets', 'tracker_dets',
        'tracker_confidences', 'similarity_scores', 'keypoint_distances',
        'keypoint_matches', 'original_gt_ids', 'original_tracker_ids'
    ]
    data = {key: [None] * raw_data['num_timesteps'] for key in data_keys}
    unique_gt_ids = []
    unique_tracker_ids = []
    num_gt_dets = 0
    num_tracker_dets = 0

    num_gt_joints = np.zeros([N_JOINTS], dtype=int)
    num_tracker_joints = np.zeros([N_JOINTS], dtype=int)

    for t in range(raw_data['num_timesteps']):
        tracker_classes = raw_data['tracker_classes'][t]

        if len(tracker_classes) > 0 and np.max(tracker_classes) > 1:
            raise TrackEvalException(
                'Evaluation is only valid for persons class. Non person '
                'class (%i) found in sequence %s at timestep %i.' %
                (np.max(tracker_classes), raw_data['seq'], t))

        for k in data_keys:
            if k in raw_data:
                data[k][t] = raw_data[k][t]

        unique_gt_ids += list(np.unique(data['gt_ids'][t]))
        unique_tracker_ids += list(np.unique(data['tracker_ids'][t]))
        num_tracker_dets += len(data['tracker_ids'][t])
        num_gt_dets += len(data['gt_ids'][t])

    if len(unique_gt_ids) > 0:
        unique_gt_ids = np.unique(unique_gt_ids)
        gt_id_map = np.nan * np.ones((np.max(unique_gt_ids) + 1))
        gt_id_map[unique_gt_ids] = np.arange(len(unique_gt_ids))
        for t in range(raw_data['num_timesteps']):
            if len(data['gt_ids'][t]) > 0:
                data['original_gt_ids'][t] = data['gt_ids'][t].copy()
                data['gt_ids'][t] = gt_id_map[data['gt_ids'][t]].astype(int)

                gt_dets = data['gt_dets'][t]
                num_gt_joints += _count_valid_joints(gt_dets)

    if len(unique_tracker_ids) > 0:
        unique_tracker_ids = np.unique(unique_tracker_ids)
        tracker_id_map = np.nan * np.ones((np.max(unique_tracker_ids) + 1))
        tracker_id_map[unique_tracker_ids] = np.arange(
            len(unique_tracker_ids))
        for t in range(raw_data['num_timesteps']):
            if len(data['tracker_ids'][t]) > 0:
                data['original_tracker_ids'][t] = data['tracker_ids'][t].copy()
                data['tracker_ids'][t] = tracker_id_map[
                    data['tracker_ids'][t]].astype(int)
                tracker_dets = data['tracker_dets'][t]
                num_tracker_joints += _count_valid_joints(tracker_dets)

    data['num_tracker_dets'] = num_tracker_dets
    data['num_gt_dets'] = num_gt_dets
    data['num_tracker_ids'] = len(unique_tracker_ids)
    data['num_gt_ids'] = len(unique_gt_ids)
    data['num_timesteps'] = raw_data['num_timesteps']
    data['seq'] = raw_data['seq']
    data['num_gt_joints'] = num_gt_joints
    data['num_tracker_joints'] = num_tracker_joints

    _check_unique_ids(data, after_preproc=True)

    return data


def kit_sequence_data(gt_video: dict, pred_video: dict, seq: str = '') -> dict:
    """The kit's ``get_raw_seq_data`` then ``get_preprocessed_seq_data``
    for one sequence, from the loaded GT and prediction JSON dicts
    (``seq`` only names the sequence in error messages)."""
    raw_data = _get_raw_seq_data(gt_video, pred_video, seq)
    return _get_preprocessed_seq_data(raw_data)


# ---------------------------------------------------------------------------
# metrics/_base_metric.py
# ---------------------------------------------------------------------------


def _combine_sum(all_res, field):
    """``_BaseMetric._combine_sum``."""
    return sum([all_res[k][field] for k in all_res.keys()])


def _combine_weighted_av(all_res, field, comb_res, weight_field):
    """``_BaseMetric._combine_weighted_av``."""
    return sum([
        all_res[k][field] * all_res[k][weight_field] for k in all_res.keys()
    ]) / np.maximum(1.0, comb_res[weight_field])


# ---------------------------------------------------------------------------
# metrics/hota_pose.py
# ---------------------------------------------------------------------------


def _distance2sim(distance_mtx):
    """``HOTAeypoints.distance2sim``: 1 at distance 0, 0 from 0.5001."""
    m = (-1 / 0.5001)
    sim = np.maximum(m * distance_mtx + 1, 0)
    return sim


def _hota_compute_final_fields(res, compute_avg):
    """``HOTAeypoints._compute_final_fields``; with ``compute_avg`` the
    Total column (mean, or sum for the counts) is appended."""
    res['DetRe'] = res['HOTA_TP'] / np.maximum(
        1, res['HOTA_TP'] + res['HOTA_FN'])
    res['DetPr'] = res['HOTA_TP'] / np.maximum(
        1, res['HOTA_TP'] + res['HOTA_FP'])
    res['DetA'] = res['HOTA_TP'] / np.maximum(
        1, res['HOTA_TP'] + res['HOTA_FN'] + res['HOTA_FP'])
    res['HOTA'] = np.sqrt(res['DetA'] * res['AssA'])
    res['RHOTA'] = np.sqrt(res['DetRe'] * res['AssA'])

    res['FA-HOTA'] = np.sqrt(res['DetA'] * np.sqrt(res['AssA']
                                                   * res['FragA']))
    res['FA-RHOTA'] = np.sqrt(res['DetRe'] * np.sqrt(res['AssA']
                                                     * res['FragA']))

    res['HOTA(0)'] = res['HOTA'][0]
    res['LocA(0)'] = res['LocA'][0]
    res['HOTALocA(0)'] = res['HOTA(0)'] * res['LocA(0)']
    res['HOTA_TP(0)'] = res['HOTA_TP'][0]
    res['HOTA_FN(0)'] = res['HOTA_FN'][0]
    res['HOTA_FP(0)'] = res['HOTA_FP'][0]

    if compute_avg:
        for k, v in res.items():
            if k in FLOAT_ARRAY_FIELDS:
                if isinstance(v, np.ndarray):
                    avg = np.mean(v, axis=1, keepdims=True)
                    res[k] = np.append(v, avg, axis=1)
            if k in INTEGER_ARRAY_FIELDS:
                res[k] = np.append(v, np.sum(v, axis=1, keepdims=True), axis=1)
            if k in FLOAT_FIELDS:
                res[k] = np.append(v, np.mean(v, keepdims=True), axis=0)
            if k in INTEGER_FIELDS:
                res[k] = np.append(v, np.sum(v, axis=0, keepdims=True), axis=0)
    return res


def kit_hota_sequence(data) -> dict:
    """``HOTAeypoints.eval_sequence`` on ``kit_sequence_data``'s output:
    (19 alphas, 15 joints + Total) arrays, (15 + Total,) for the (0)
    fields. ``data`` gets a ``keypoint_similarity`` entry, as in the kit."""
    res = {}
    for field in FLOAT_ARRAY_FIELDS + INTEGER_ARRAY_FIELDS:
        res[field] = np.zeros((len(ARRAY_LABELS), N_JOINTS), dtype=float)
    for field in FLOAT_FIELDS:
        res[field] = 0
    for field in INTEGER_FIELDS:
        res[field] = np.zeros(N_JOINTS, dtype=int)

    # Early returns: no Total column is appended here, so combining such a
    # sequence with others crashes in the kit (see kit_hota_combine).
    if data['num_tracker_dets'] == 0:
        res['HOTA_FN'] = data['num_gt_joints'][None, :] * np.ones(
            (len(ARRAY_LABELS), N_JOINTS), dtype=float)
        res['LocA'] = np.ones((len(ARRAY_LABELS), N_JOINTS), dtype=float)
        res['LocA(0)'] = np.ones((N_JOINTS), dtype=float)
        return res

    if data['num_gt_dets'] == 0:
        res['HOTA_FP'] = data['num_tracker_joints'][None, :] * np.ones(
            (len(ARRAY_LABELS), N_JOINTS), dtype=float)
        res['LocA'] = np.ones((len(ARRAY_LABELS), N_JOINTS), dtype=float)
        res['LocA(0)'] = np.ones((N_JOINTS), dtype=float)
        return res

    potential_matches_count = np.zeros(
        (data['num_gt_ids'], data['num_tracker_ids'], N_JOINTS))
    gt_id_count = np.zeros((data['num_gt_ids'], 1, N_JOINTS))
    tracker_id_count = np.zeros((1, data['num_tracker_ids'], N_JOINTS))

    last_matched_id = np.ones(
        (len(ARRAY_LABELS), data['num_gt_ids'], N_JOINTS), dtype=int) * -1
    num_gt_fragmentations = np.zeros(
        (len(ARRAY_LABELS), data['num_gt_ids'], N_JOINTS), dtype=int)
    tp_fragmentation_count = np.zeros(
        (len(ARRAY_LABELS), data['num_gt_ids'], data['num_tracker_ids'],
         N_JOINTS),
        dtype=int)
    fragments = np.zeros(
        (len(ARRAY_LABELS), data['num_gt_ids'], data['num_tracker_ids'],
         N_JOINTS, data['num_timesteps']),
        dtype=int)

    # first pass: global association counts
    data['keypoint_similarity'] = []
    for t, (gt_ids_t, tracker_ids_t) in enumerate(
            zip(data['gt_ids'], data['tracker_ids'])):

        keypoint_distances = data['keypoint_distances'][t]
        keypoint_sim = _distance2sim(keypoint_distances)
        data['keypoint_similarity'].append(keypoint_sim)
        if len(tracker_ids_t) > 0:
            dist_iou_denom = (keypoint_sim.sum(0)[np.newaxis, :, :]
                              + keypoint_sim.sum(1)[:, np.newaxis, :]
                              - keypoint_sim)
            dist_iou = np.zeros_like(keypoint_sim)
            dist_iou_mask = dist_iou_denom > 0 + np.finfo('float').eps
            dist_iou[dist_iou_mask] = (keypoint_sim[dist_iou_mask]
                                       / dist_iou_denom[dist_iou_mask])
            potential_matches_count[gt_ids_t[:, np.newaxis],
                                    tracker_ids_t[np.newaxis, :]] += dist_iou

        gt_joints = data['gt_dets'][t]
        tracker_joints = data['tracker_dets'][t]

        valid_gt_kpts = (gt_joints[:, :, 0] > 0) & (gt_joints[:, :, 1] > 0)
        valid_tracker_kpts = ((tracker_joints[:, :, 0] > 0)
                              & (tracker_joints[:, :, 1] > 0))

        gt_id_count[gt_ids_t, 0] += valid_gt_kpts

        if len(tracker_ids_t) > 0:
            tracker_id_count[0, tracker_ids_t] += valid_tracker_kpts

    # computed but not used, in the kit too
    global_alignment_score = potential_matches_count / (  # noqa: F841
        np.maximum(1, gt_id_count + tracker_id_count
                   - potential_matches_count))
    matches_counts = [
        np.zeros_like(potential_matches_count) for _ in ARRAY_LABELS
    ]

    # second pass: per-frame, per-joint matching
    for t, (gt_ids_t, tracker_ids_t) in enumerate(
            zip(data['gt_ids'], data['tracker_ids'])):

        num_gt_joints = data['num_gt_joints']
        num_tracker_joints = data['num_tracker_joints']

        gt_kpts_t = data['gt_dets'][t]
        det_kpts_t = data['tracker_dets'][t]
        num_gt_joints_t = np.sum(
            (gt_kpts_t[:, :, 0] > 0) & (gt_kpts_t[:, :, 1] > 0), axis=0)
        num_det_joints_t = np.sum(
            (det_kpts_t[:, :, 0] > 0) & (det_kpts_t[:, :, 1] > 0), axis=0)

        # kit quirk kept: the whole sequence's joint counts are added, not
        # the frame's.
        if len(gt_ids_t) == 0:
            for a, alpha in enumerate(ARRAY_LABELS):
                res['HOTA_FP'][a] += num_tracker_joints
            continue
        if len(tracker_ids_t) == 0:
            for a, alpha in enumerate(ARRAY_LABELS):
                res['HOTA_FN'][a] += num_gt_joints
            continue

        similarity = data['keypoint_similarity'][t]
        score_mat = similarity

        for j in range(N_JOINTS):
            match_rows, match_cols = linear_sum_assignment(-score_mat[:, :, j])

            for a, alpha in enumerate(ARRAY_LABELS):
                actually_matched_mask = similarity[
                    match_rows, match_cols, j] >= alpha - np.finfo('float').eps
                alpha_match_rows = match_rows[actually_matched_mask]
                alpha_match_cols = match_cols[actually_matched_mask]
                num_matches = len(alpha_match_rows)
                res['HOTA_TP'][a][j] += num_matches

                res['HOTA_FN'][a][j] += num_gt_joints_t[j] - num_matches
                res['HOTA_FP'][a][j] += num_det_joints_t[j] - num_matches
                if num_matches > 0:
                    # Python sum, as in the kit
                    res['LocA'][a][j] += sum(
                        similarity[alpha_match_rows, alpha_match_cols, j])
                    matches_counts[a][gt_ids_t[alpha_match_rows],
                                      tracker_ids_t[alpha_match_cols], j] += 1

                # fragmentations
                matched_gt_ids = gt_ids_t[alpha_match_rows]
                matched_det_ids = tracker_ids_t[alpha_match_cols]

                last_matched_id_a = last_matched_id[a, matched_gt_ids, j]
                fragmentation_idxs = last_matched_id_a != matched_det_ids
                gt_id_w_fragmentation = matched_gt_ids[fragmentation_idxs]
                pr_id_w_fragmentation = matched_det_ids[fragmentation_idxs]

                last_matched_id[a, gt_id_w_fragmentation,
                                j] = matched_det_ids[fragmentation_idxs]
                num_gt_fragmentations[a, gt_id_w_fragmentation, j] += 1
                tp_fragmentation_count[a, gt_id_w_fragmentation,
                                       pr_id_w_fragmentation, j] += 1

                fragment_indices = np.maximum(
                    0, tp_fragmentation_count[a, matched_gt_ids,
                                              matched_det_ids, j] - 1)
                fragments[a, matched_gt_ids, matched_det_ids, j,
                          fragment_indices] += 1

    # association scores per alpha
    for a, alpha in enumerate(ARRAY_LABELS):
        matches_count = matches_counts[a]

        tpa_fna_fpa = np.maximum(
            1, gt_id_count + tracker_id_count - matches_count)

        ass_a = matches_count / tpa_fna_fpa
        res['AssA'][a] = np.sum(np.sum(matches_count * ass_a, 0),
                                0) / np.maximum(1, res['HOTA_TP'][a])

        ass_re = matches_count / np.maximum(1, gt_id_count)
        res['AssRe'][a] = np.sum(np.sum(matches_count * ass_re, 0),
                                 0) / np.maximum(1, res['HOTA_TP'][a])
        ass_pr = matches_count / np.maximum(1, tracker_id_count)
        res['AssPr'][a] = np.sum(np.sum(matches_count * ass_pr, 0),
                                 0) / np.maximum(1, res['HOTA_TP'][a])

        curr_fragments = fragments[a]
        frag = curr_fragments / tpa_fna_fpa[:, :, :, np.newaxis]
        frag = np.sum(curr_fragments * frag, -1)
        res['FragA'][a] = np.sum(np.sum(frag, 0), 0) / np.maximum(
            1, res['HOTA_TP'][a])

    res['LocA'] = np.maximum(1e-10, res['LocA']) / np.maximum(
        1e-10, res['HOTA_TP'])
    res = _hota_compute_final_fields(res, compute_avg=True)
    return res


def kit_hota_combine(per_sequence: dict) -> dict:
    """``HOTAeypoints.combine_sequences`` over {sequence: result} (in the
    dict's order); the Total column is not recomputed here, it is combined
    like the joint columns."""
    # kit crash: a sequence that took an early return in eval_sequence (no
    # predictions / no GT) has 15 columns, the others 16 (ValueError).
    all_res = per_sequence
    res = {}
    for field in INTEGER_FIELDS:
        res[field] = _combine_sum(all_res, field)
    for field in INTEGER_ARRAY_FIELDS:
        res[field] = _combine_sum(all_res, field)
    for field in ['AssRe', 'AssPr', 'AssA', 'FragA']:
        res[field] = _combine_weighted_av(all_res, field, res,
                                          weight_field='HOTA_TP')
    loca_weighted_sum = sum([
        all_res[k]['LocA'] * all_res[k]['HOTA_TP'] for k in all_res.keys()
    ])
    res['LocA'] = np.maximum(1e-10, loca_weighted_sum) / np.maximum(
        1e-10, res['HOTA_TP'])
    res = _hota_compute_final_fields(res, compute_avg=False)
    return res


# ---------------------------------------------------------------------------
# metrics/map.py
# ---------------------------------------------------------------------------


def _get_pose_parts():
    """``PosemAP.get_pose_parts``."""
    return ['Head', 'Shou', 'Elb', 'Wri', 'Hip', 'Knee', 'Ankl', 'Total']


def _add_metric_results(res, names, values):
    """``PosemAP.add_metric_results``."""
    for k, v in zip(names, values):
        res[k] = v


def _get_cum_vals(vals):
    """``PosemAP.get_cum_vals``: the part means of a (16, 1) array."""
    cum = []
    cum += [(vals[[Joint.head_top, Joint.head_bottom, Joint.nose], 0].mean())]
    cum += [(vals[[Joint.left_shoulder, Joint.right_shoulder], 0].mean())]
    cum += [(vals[[Joint.left_elbow, Joint.right_elbow], 0].mean())]
    cum += [(vals[[Joint.left_wrist, Joint.right_wrist], 0].mean())]
    cum += [(vals[[Joint.left_hip, Joint.right_hip], 0].mean())]
    cum += [(vals[[Joint.left_knee, Joint.right_knee], 0].mean())]
    cum += [(vals[[Joint.right_ankle, Joint.left_ankle], 0].mean())]
    cum += [vals[-1, 0]]
    return cum


def _voc_ap(rec, prec):
    """``PosemAP.VOCap``: area under the monotone precision envelope."""
    mpre = np.zeros([1, 2 + len(prec)])
    mpre[0, 1:len(prec) + 1] = prec
    mrec = np.zeros([1, 2 + len(rec)])
    mrec[0, 1:len(rec) + 1] = rec
    mrec[0, len(rec) + 1] = 1.0

    for i in range(mpre.size - 2, -1, -1):
        mpre[0, i] = max(mpre[0, i], mpre[0, i + 1])

    i = np.argwhere(~np.equal(mrec[0, 1:], mrec[0, :mrec.shape[1] - 1])) + 1
    i = i.flatten()

    ap = np.sum(np.multiply(np.subtract(mrec[0, i], mrec[0, i - 1]),
                            mpre[0, i]))
    return ap


def _compute_rpc(scores, labels, total_pos):
    """``PosemAP.compute_rpc``: precision / recall after each detection,
    by decreasing score (numpy's default argsort, reversed)."""
    precision = np.zeros(len(scores))
    recall = np.zeros(len(scores))
    npos = 0

    idxs_sort = np.array(scores).argsort()[::-1]
    labels_sort = labels[idxs_sort]

    for s_idx in range(len(idxs_sort)):
        if labels_sort[s_idx] == 1:
            npos += 1

        recall[s_idx] = npos / max(total_pos, 1)
        precision[s_idx] = npos / (s_idx + 1)

    return precision, recall, idxs_sort


def _compute_metrics(all_scores, all_labels, num_gt_kpts):
    """``PosemAP.compute_metrics``: (16, 1) AP, precision and recall in
    percent; row 15 is the mean over the joints."""
    ap_all = np.zeros((num_gt_kpts.shape[0] + 1, 1))
    rec_all = np.zeros((num_gt_kpts.shape[0] + 1, 1))
    prec_all = np.zeros((num_gt_kpts.shape[0] + 1, 1))

    for j in range(num_gt_kpts.shape[0]):
        scores = np.zeros([0, 0], dtype=np.float32)
        labels = np.zeros([0, 0], dtype=np.int8)

        for fr_idx in range(num_gt_kpts.shape[1]):
            scores = np.append(scores, all_scores[j][fr_idx])
            labels = np.append(labels, all_labels[j][fr_idx])

        num_gt = sum(num_gt_kpts[j, :])
        precision, recall, scores_sorted_idxs = _compute_rpc(
            scores, labels, num_gt)
        if len(precision) > 0:
            ap_all[j] = _voc_ap(recall, precision) * 100
            prec_all[j] = precision[-1] * 100
            rec_all[j] = recall[-1] * 100

    idxs = np.argwhere(~np.isnan(ap_all[:num_gt_kpts.shape[0], 0]))
    ap_all[num_gt_kpts.shape[0]] = ap_all[idxs, 0].mean()
    idxs = np.argwhere(~np.isnan(rec_all[:num_gt_kpts.shape[0], 0]))
    rec_all[num_gt_kpts.shape[0]] = rec_all[idxs, 0].mean()
    idxs = np.argwhere(~np.isnan(prec_all[:num_gt_kpts.shape[0], 0]))
    prec_all[num_gt_kpts.shape[0]] = prec_all[idxs, 0].mean()

    return ap_all, prec_all, rec_all


def kit_map_sequence(data) -> dict:
    """``PosemAP.eval_sequence`` on ``kit_sequence_data``'s output:
    ``scores_all`` / ``labels_all`` ({joint: {frame: array}}),
    ``gt_kpts_ctr`` (15, frames) and the sequence's own 'map',
    'precision', 'recall'. Zeroes entries of ``similarity_scores`` in
    place, as the kit does."""
    res = dict()

    scores_all = dict()
    labels_all = dict()
    gt_kpts_ctr = np.zeros((15, len(data['gt_ids'])))

    for j in range(15):
        scores_all[j] = dict()
        labels_all[j] = dict()
        for t in range(len(data['gt_ids'])):
            scores_all[j][t] = np.zeros([0, 0], dtype=np.float32)
            labels_all[j][t] = np.zeros([0, 0], dtype=np.int8)

    for t, (gt_ids_t, tracker_ids_t) in enumerate(
            zip(data['gt_ids'], data['tracker_ids'])):

        pr_kpts = data['tracker_dets'][t]
        has_pr = (pr_kpts[:, :, 0] > 0) & (pr_kpts[:, :, 1] > 0)
        pred_scores = pr_kpts[:, :, 2]

        matches = data['keypoint_matches'][t]
        pck = data['similarity_scores'][t]
        gt_kpts = data['gt_dets'][t]
        has_gt = (gt_kpts[:, :, 0] > 0) & (gt_kpts[:, :, 1] > 0)

        for n in range(has_gt.shape[0]):
            for j_idx in range(has_gt.shape[1]):
                gt_kpts_ctr[j_idx, t] += int(has_gt[n, j_idx])

        if len(gt_ids_t) > 0 and len(tracker_ids_t) > 0:
            # predictions on the first axis (a view: zeroed in place)
            pck = pck.T
            # keep each prediction's best GT only
            idx = np.argmax(pck, axis=1)
            val = np.max(pck, axis=1)
            for det_idx in range(pck.shape[0]):
                for gt_idx in range(pck.shape[1]):
                    if gt_idx != idx[det_idx]:
                        pck[det_idx, gt_idx] = 0

            pr_to_gt = np.argmax(pck, axis=0)
            val = np.max(pck, axis=0)
            pr_to_gt[val == 0] = -1

            for pr_idx in range(has_pr.shape[0]):
                if (pr_idx in pr_to_gt):
                    gt_idx = np.argwhere(pr_to_gt == pr_idx)
                    assert gt_idx.size == 1
                    gt_idx = gt_idx[0, 0]
                    kpt_scores = pred_scores[pr_idx, :]
                    has_kpt_pred = has_pr[pr_idx]
                    kpt_matches = matches[gt_idx, pr_idx]

                    for j in range(len(has_kpt_pred)):
                        if has_kpt_pred[j]:
                            scores_all[j][t] = np.append(
                                scores_all[j][t], kpt_scores[j])
                            labels_all[j][t] = np.append(
                                labels_all[j][t], kpt_matches[j])
                else:
                    # no matching GT
                    kpt_scores = pred_scores[pr_idx, :]
                    kpt_matches = np.zeros([matches.shape[2], 1], dtype=bool)
                    has_kpt_pred = has_pr[pr_idx]
                    for j in range(len(has_kpt_pred)):
                        if has_kpt_pred[j]:
                            scores_all[j][t] = np.append(
                                scores_all[j][t], kpt_scores[j])
                            labels_all[j][t] = np.append(
                                labels_all[j][t], kpt_matches[j])
        else:
            # kit crash: this branch ("no gt") reads undefined names
            # (pre_idx, dtype==bool) as soon as the frame has a prediction
            # (NameError); with no prediction it does nothing.
            for pr_idx in range(has_pr.shape[0]):
                raise NotImplementedError('kit crashes here')

    res['scores_all'] = scores_all
    res['labels_all'] = labels_all
    res['gt_kpts_ctr'] = gt_kpts_ctr

    ap_all, prec_all, rec_all = _compute_metrics(scores_all, labels_all,
                                                 gt_kpts_ctr)

    res['map'] = dict()
    res['precision'] = dict()
    res['recall'] = dict()

    _add_metric_results(res['map'], _get_pose_parts(), _get_cum_vals(ap_all))
    _add_metric_results(res['precision'], _get_pose_parts(),
                        _get_cum_vals(prec_all))
    _add_metric_results(res['recall'], _get_pose_parts(),
                        _get_cum_vals(rec_all))

    return res


def kit_map_combine(per_sequence: dict) -> dict:
    """``PosemAP.combine_sequences`` (its ``_compute_final_fields``): the
    frames of all sequences, in the dict's order, pooled into one AP
    computation; {'map', 'precision', 'recall'} -> {part: value}."""
    res = per_sequence
    combined_scores = dict()
    combined_labels = dict()
    combined_gt_kpts = list()

    for j in range(15):
        combined_scores[j] = dict()
        combined_labels[j] = dict()

    total_frames = 0

    for seq_name, seq_res in res.items():
        scores = seq_res['scores_all']
        labels = seq_res['labels_all']
        num_gt = seq_res['gt_kpts_ctr']

        num_kpts = len(scores)
        for j in range(num_kpts):
            for fr_idx in scores[j].keys():
                total_frame_idx = fr_idx + total_frames
                combined_scores[j][total_frame_idx] = scores[j][fr_idx]
                combined_labels[j][total_frame_idx] = labels[j][fr_idx]

        total_frames += num_gt.shape[1]
        combined_gt_kpts.append(num_gt)

    combined_gt_kpts = np.concatenate(combined_gt_kpts, axis=1)
    total_ap, precision, recall = _compute_metrics(combined_scores,
                                                   combined_labels,
                                                   combined_gt_kpts)

    out = dict()
    out['map'] = dict()
    out['precision'] = dict()
    out['recall'] = dict()

    _add_metric_results(out['map'], _get_pose_parts(),
                        _get_cum_vals(total_ap))
    _add_metric_results(out['precision'], _get_pose_parts(),
                        _get_cum_vals(precision))
    _add_metric_results(out['recall'], _get_pose_parts(),
                        _get_cum_vals(recall))

    return out


# ---------------------------------------------------------------------------
# eval.py / eval_pose.py
# ---------------------------------------------------------------------------


def kit_evaluate(gt_videos: dict, pred_videos: dict) -> dict:
    """Both kit runs (HOTAeypoints and PosemAP) over {name: loaded JSON}
    for GT and predictions: sequences in ``sorted`` name order (the kit
    sorts its file names, so pass e.g. '000342_mpii_test.json' to get its
    order), then one combine. Returns {'hota': ..., 'map': ...}."""
    hota_res = {}
    map_res = {}
    for curr_seq in sorted(gt_videos):
        # two separate kit runs, each with freshly loaded data
        data = kit_sequence_data(gt_videos[curr_seq], pred_videos[curr_seq],
                                 curr_seq)
        hota_res[curr_seq] = kit_hota_sequence(data)
        data = kit_sequence_data(gt_videos[curr_seq], pred_videos[curr_seq],
                                 curr_seq)
        map_res[curr_seq] = kit_map_sequence(data)
    return {
        'hota': kit_hota_combine(hota_res),
        'map': kit_map_combine(map_res)
    }
