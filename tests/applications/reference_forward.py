#!/usr/bin/python3
"""An independent float64 forward of a Keras 1 model (tf dim ordering), run with PyTorch on the
architecture JSON and .h5 weights a keel model wrote (keel-keras export): checks that keel's
predict() of the applications computes what the Keras graph means, at full size.

Usage: /usr/bin/python3 reference_forward.py DIR    (DIR/model.json, weights.h5, input.npy,
output.npy; exits 0 when the outputs agree, 1 otherwise, 77 without torch/h5py)

Nothing here is keel: the layers are read from the Keras config and computed with torch's
float64 ops, TensorFlow's padding rules written out by hand."""
import json
import sys

try:
    import h5py
    import numpy as np
    import torch
    import torch.nn.functional as F
except ImportError:
    sys.exit(77)

torch.set_default_dtype(torch.float64)


def tf_pad(x, k, s, border, value=0.0):
    """x (N, C, H, W): TensorFlow's 'same' padding (the odd extra at the end) or none."""
    if border != 'same':
        return x
    pads = []
    for dim, kk, ss in ((3, k[1], s[1]), (2, k[0], s[0])):
        n = x.shape[dim]
        out = -(-n // ss)
        total = max((out - 1) * ss + kk - n, 0)
        pads += [total // 2, total - total // 2]
    return F.pad(x, pads, value=value)


def weights_of(f, name):
    g = f[name]
    return [torch.from_numpy(np.array(g[w.decode() if isinstance(w, bytes) else w], dtype=np.float64))
            for w in g.attrs['weight_names']]


def run(layer, cfg, ins, w):
    cls = layer['class_name']
    x = ins[0] if ins else None
    act = {'relu': F.relu, 'softmax': lambda t: F.softmax(t, dim=1), 'linear': lambda t: t,
           'tanh': torch.tanh, 'sigmoid': torch.sigmoid}
    if cls == 'Convolution2D':
        k, s = (cfg['nb_row'], cfg['nb_col']), tuple(cfg['subsample'])
        W = w[0].permute(3, 2, 0, 1)  # (rows, cols, C, F) -> (F, C, rows, cols)
        y = F.conv2d(tf_pad(x, k, s, cfg['border_mode']), W, w[1] if cfg['bias'] else None, stride=s)
        return act[cfg['activation']](y)
    if cls == 'SeparableConvolution2D':
        k, s = (cfg['nb_row'], cfg['nb_col']), tuple(cfg['subsample'])
        c = x.shape[1]
        dw = w[0].permute(2, 3, 0, 1).reshape(c * w[0].shape[3], 1, k[0], k[1])
        y = F.conv2d(tf_pad(x, k, s, cfg['border_mode']), dw, stride=s, groups=c)
        y = F.conv2d(y, w[1].permute(3, 2, 0, 1), w[2] if cfg['bias'] else None)
        return act[cfg['activation']](y)
    if cls == 'BatchNormalization':
        gamma, beta, mean, var = w
        return F.batch_norm(x, mean, var, gamma, beta, training=False, eps=cfg['epsilon'])
    if cls == 'Activation':
        return act[cfg['activation']](x)
    if cls == 'ZeroPadding2D':
        p = cfg['padding']
        return F.pad(x, [p[1], p[1], p[0], p[0]])
    if cls in ('MaxPooling2D', 'AveragePooling2D'):
        k = tuple(cfg['pool_size'])
        s = tuple(cfg['strides'] or cfg['pool_size'])
        if cls == 'MaxPooling2D':
            return F.max_pool2d(tf_pad(x, k, s, cfg['border_mode'], -float('inf')), k, s)
        ones = torch.ones_like(x[:, :1])
        total = F.avg_pool2d(tf_pad(x, k, s, cfg['border_mode']), k, s)
        count = F.avg_pool2d(tf_pad(ones, k, s, cfg['border_mode']), k, s)
        return total / count  # TensorFlow averages over the window's real pixels only
    if cls == 'GlobalAveragePooling2D':
        return x.mean(dim=(2, 3))
    if cls == 'Flatten':
        return x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)  # tf order (rows, cols, C)
    if cls == 'Dense':
        return act[cfg['activation']](x @ w[0] + (w[1] if cfg['bias'] else 0))
    if cls == 'Merge':
        if cfg['mode'] == 'sum':
            return sum(ins)
        if cfg['mode'] == 'concat':
            assert cfg['concat_axis'] in (-1, 3)
            return torch.cat(ins, dim=1)
    raise SystemExit('reference_forward.py: layer class %s not supported' % cls)


def main():
    d = sys.argv[1]
    model = json.load(open(d + '/model.json'))
    assert model['class_name'] == 'Model', 'graph models only'
    cfg = model['config']
    f = h5py.File(d + '/weights.h5', 'r')
    x = torch.from_numpy(np.load(d + '/input.npy').astype(np.float64)).permute(0, 3, 1, 2)
    values = {cfg['input_layers'][0][0]: x}
    for layer in cfg['layers']:
        if layer['class_name'] == 'InputLayer':
            continue
        ins = [values[n[0]] for n in layer['inbound_nodes'][0]]
        w = weights_of(f, layer['name']) if layer['name'] in f else []
        values[layer['name']] = run(layer, layer['config'], ins, w)
    y = values[cfg['output_layers'][0][0]]
    if y.dim() == 4:
        y = y.permute(0, 2, 3, 1)
    expected = np.load(d + '/output.npy').astype(np.float64)
    got = y.numpy()
    err = np.abs(got - expected).max()
    scale = np.abs(got).max()
    print('%s: max |keel - reference| = %.3g (output max %.3g)' % (cfg['name'], err, scale))
    # Relative to the outputs (softmax probabilities of ~1e-3 here): float32 against float64.
    sys.exit(0 if err <= 1e-4 * scale else 1)


if __name__ == '__main__':
    main()
