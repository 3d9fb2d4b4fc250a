#!/usr/bin/python3
"""Writes the Keras 1 file fixtures of tests/models/keras_h5_test.cpp.

Run with Debian's python3 (python3-h5py, python3-numpy): /usr/bin/python3 make_fixtures.py
Keras is not needed: the files follow the Keras 1.2.2 layout (keras/engine/topology.py
save_weights_to_hdf5_group, keras/models.py save_model) byte for byte as h5py writes it, the
JSON is what Keras 1.2.2's model.to_json() writes for these models, and the expected outputs
come from the NumPy reference below, written from the Keras 1.2.2 semantics
(shared/spec/KERAS1_SEMANTICS.md), independent of keel. The outputs are deterministic
(seeded), so the committed files can be regenerated and compared.
"""
import json
import os

import h5py
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.RandomState(20261203)


# --- NumPy reference ------------------------------------------------------------------------
def conv2d_tf(x, w, border_mode):
    """x (N, H, W, C), w (kh, kw, C, F): TensorFlow's cross-correlation, stride 1."""
    kh, kw = w.shape[:2]
    if border_mode == 'same':
        ph, pw = kh - 1, kw - 1
        x = np.pad(x, ((0, 0), (ph // 2, ph - ph // 2), (pw // 2, pw - pw // 2), (0, 0)))
    n, h, wd, _ = x.shape
    oh, ow = h - kh + 1, wd - kw + 1
    y = np.zeros((n, oh, ow, w.shape[3]))
    for i in range(oh):
        for j in range(ow):
            patch = x[:, i:i + kh, j:j + kw, :]
            y[:, i, j, :] = np.tensordot(patch, w, axes=([1, 2, 3], [0, 1, 2]))
    return y


def relu(x):
    return np.maximum(x, 0)


def softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def batchnorm_inference(x, gamma, beta, mean, var, eps, axis):
    shape = [1] * x.ndim
    shape[axis] = -1
    r = lambda v: v.reshape(shape)
    return (x - r(mean)) / np.sqrt(r(var) + eps) * r(gamma) + r(beta)


def maxpool2_tf(x):
    n, h, w, c = x.shape
    return x[:, :h // 2 * 2, :w // 2 * 2, :].reshape(n, h // 2, 2, w // 2, 2, c).max(axis=(2, 4))


# --- the Keras 1.2.2 file layout ------------------------------------------------------------
def save_weights_group(g, layers, tf_names, backend=None):
    """layers: [(name, [(keras weight suffix, array)])], in model order."""
    g.attrs['layer_names'] = [name.encode('utf8') for name, _ in layers]
    if backend is not None:  # written by later Keras versions, not by 1.2.2
        g.attrs['backend'] = backend.encode('utf8')
    for name, weights in layers:
        lg = g.create_group(name)
        names = [('%s_%s' % (name, suffix) + (':0' if tf_names else '')).encode('utf8')
                 for suffix, _ in weights]
        lg.attrs['weight_names'] = names
        for n, (_, value) in zip(names, weights):
            d = lg.create_dataset(n, value.shape, dtype=np.float32)
            d[:] = value


def sequential_json(dim_ordering):
    shape = [None, 6, 6, 3] if dim_ordering == 'tf' else [None, 3, 6, 6]
    layers = [
        {'class_name': 'Convolution2D', 'config': {
            'name': 'convolution2d_1', 'trainable': True, 'batch_input_shape': shape,
            'input_dtype': 'float32', 'nb_filter': 4, 'nb_row': 3, 'nb_col': 3,
            'init': 'glorot_uniform', 'activation': 'relu', 'border_mode': 'same',
            'subsample': [1, 1], 'dim_ordering': dim_ordering, 'W_regularizer': None,
            'b_regularizer': None, 'activity_regularizer': None, 'W_constraint': None,
            'b_constraint': None, 'bias': True}},
        {'class_name': 'BatchNormalization', 'config': {
            'name': 'batchnormalization_1', 'trainable': True, 'epsilon': 0.001, 'mode': 0,
            'axis': -1 if dim_ordering == 'tf' else 1, 'gamma_regularizer': None,
            'beta_regularizer': None, 'momentum': 0.99}},
        {'class_name': 'MaxPooling2D', 'config': {
            'name': 'maxpooling2d_1', 'trainable': True, 'pool_size': [2, 2], 'strides': [2, 2],
            'border_mode': 'valid', 'dim_ordering': dim_ordering}},
        {'class_name': 'Flatten', 'config': {'name': 'flatten_1', 'trainable': True}},
        {'class_name': 'Dense', 'config': {
            'name': 'dense_1', 'trainable': True, 'output_dim': 5, 'init': 'glorot_uniform',
            'activation': 'softmax', 'W_regularizer': None, 'b_regularizer': None,
            'activity_regularizer': None, 'W_constraint': None, 'b_constraint': None,
            'bias': True, 'input_dim': None}},
    ]
    return json.dumps({'class_name': 'Sequential', 'config': layers, 'keras_version': '1.2.2'})


def f32(a):
    return np.asarray(a, dtype=np.float32)


def write_sequential():
    # Weights in tf layout; the th files hold the same numbers permuted.
    W = f32(rng.uniform(-0.5, 0.5, (3, 3, 3, 4)))
    b = f32(rng.uniform(-0.1, 0.1, 4))
    gamma, beta = f32(rng.uniform(0.5, 1.5, 4)), f32(rng.uniform(-0.2, 0.2, 4))
    mean, var = f32(rng.uniform(-0.2, 0.2, 4)), f32(rng.uniform(0.5, 2.0, 4))
    Wd = f32(rng.uniform(-0.5, 0.5, (36, 5)))
    bd = f32(rng.uniform(-0.1, 0.1, 5))
    x_tf = f32(rng.uniform(-1, 1, (2, 6, 6, 3)))

    h = relu(conv2d_tf(x_tf.astype(np.float64), W.astype(np.float64), 'same') + b)
    h = batchnorm_inference(h, gamma, beta, mean, var, 1e-3, -1)
    p = maxpool2_tf(h)                                  # (2, 3, 3, 4)
    y_tf = softmax(p.reshape(2, -1) @ Wd + bd)
    # th: Flatten reads (N, C, H, W), so Dense's rows follow the channels-first order.
    p_th = p.transpose(0, 3, 1, 2)
    Wd_th = f32(rng.uniform(-0.5, 0.5, (36, 5)))
    y_th = softmax(p_th.reshape(2, -1) @ Wd_th + bd)

    def seq_layers(kernel, dense_w):
        return [('convolution2d_1', [('W', kernel), ('b', b)]),
                ('batchnormalization_1', [('gamma', gamma), ('beta', beta),
                                          ('running_mean', mean), ('running_std', var)]),
                ('maxpooling2d_1', []), ('flatten_1', []),
                ('dense_1', [('W', dense_w), ('b', bd)])]

    flipped = W[::-1, ::-1, :, :].copy()  # a Theano-trained kernel computes the same output
    with open(os.path.join(HERE, 'seq_tf.json'), 'w') as f:
        f.write(sequential_json('tf'))
    with open(os.path.join(HERE, 'seq_th.json'), 'w') as f:
        f.write(sequential_json('th'))
    # Keras 1.2.2 with TensorFlow: names end in ':0', no backend attribute.
    with h5py.File(os.path.join(HERE, 'seq_tf_weights.h5'), 'w') as f:
        save_weights_group(f, seq_layers(W, Wd), tf_names=True)
    # The same weights trained with Theano, in a file without a backend attribute (as Keras
    # 1.2.2 wrote the _th_kernels application weights): the loader must be told.
    with h5py.File(os.path.join(HERE, 'seq_tf_theano_kernels.h5'), 'w') as f:
        save_weights_group(f, seq_layers(flipped, Wd), tf_names=False)
    # th ordering, Theano kernels, a backend attribute saying so (a later writer).
    W_th = flipped.transpose(3, 2, 0, 1).copy()  # (F, C, rows, cols)
    with h5py.File(os.path.join(HERE, 'seq_th_theano_weights.h5'), 'w') as f:
        save_weights_group(f, seq_layers(W_th, Wd_th), tf_names=False, backend='theano')
    np.save(os.path.join(HERE, 'seq_input_tf.npy'), x_tf)
    np.save(os.path.join(HERE, 'seq_output_tf.npy'), f32(y_tf))
    np.save(os.path.join(HERE, 'seq_input_th.npy'), x_tf.transpose(0, 3, 1, 2).copy())
    np.save(os.path.join(HERE, 'seq_output_th.npy'), f32(y_th))


def write_functional():
    """A functional model saved whole (model.save): two branches, a sum and a concat merge."""
    W1, b1 = f32(rng.uniform(-0.5, 0.5, (1, 1, 3, 4))), f32(rng.uniform(-0.1, 0.1, 4))
    W2, b2 = f32(rng.uniform(-0.5, 0.5, (3, 3, 3, 4))), f32(rng.uniform(-0.1, 0.1, 4))
    Wd, bd = f32(rng.uniform(-0.3, 0.3, (4 * 4 * 8, 3))), f32(rng.uniform(-0.1, 0.1, 3))
    x = f32(rng.uniform(-1, 1, (2, 4, 4, 3)))
    a = relu(conv2d_tf(x.astype(np.float64), W1, 'valid') + b1)
    c = relu(conv2d_tf(x.astype(np.float64), W2, 'same') + b2)
    s = a + c
    cat = np.concatenate([s, a], axis=-1)
    y = softmax(cat.reshape(2, -1) @ Wd + bd)

    def conv(name, k, act, border):
        return {'nb_filter': 4, 'nb_row': k, 'nb_col': k, 'init': 'glorot_uniform',
                'activation': act, 'border_mode': border, 'subsample': [1, 1],
                'dim_ordering': 'tf', 'W_regularizer': None, 'b_regularizer': None,
                'activity_regularizer': None, 'W_constraint': None, 'b_constraint': None,
                'bias': True, 'name': name, 'trainable': True}

    def merge(name, mode, axis):
        return {'name': name, 'mode': mode, 'mode_type': 'raw', 'concat_axis': axis,
                'dot_axes': -1, 'output_shape': None, 'output_shape_type': 'raw',
                'output_mask': None, 'output_mask_type': 'raw', 'arguments': {}}

    layers = [
        {'name': 'image', 'class_name': 'InputLayer', 'inbound_nodes': [],
         'config': {'batch_input_shape': [None, 4, 4, 3], 'input_dtype': 'float32',
                    'sparse': False, 'name': 'image'}},
        {'name': 'branch_1x1', 'class_name': 'Convolution2D',
         'config': conv('branch_1x1', 1, 'relu', 'valid'), 'inbound_nodes': [[['image', 0, 0]]]},
        {'name': 'branch_3x3', 'class_name': 'Convolution2D',
         'config': conv('branch_3x3', 3, 'relu', 'same'), 'inbound_nodes': [[['image', 0, 0]]]},
        {'name': 'sum', 'class_name': 'Merge', 'config': merge('sum', 'sum', -1),
         'inbound_nodes': [[['branch_1x1', 0, 0], ['branch_3x3', 0, 0]]]},
        {'name': 'concat', 'class_name': 'Merge', 'config': merge('concat', 'concat', -1),
         'inbound_nodes': [[['sum', 0, 0], ['branch_1x1', 0, 0]]]},
        {'name': 'flatten', 'class_name': 'Flatten',
         'config': {'name': 'flatten', 'trainable': True}, 'inbound_nodes': [[['concat', 0, 0]]]},
        {'name': 'predictions', 'class_name': 'Dense', 'inbound_nodes': [[['flatten', 0, 0]]],
         'config': {'name': 'predictions', 'trainable': True, 'output_dim': 3,
                    'init': 'glorot_uniform', 'activation': 'softmax', 'W_regularizer': None,
                    'b_regularizer': None, 'activity_regularizer': None, 'W_constraint': None,
                    'b_constraint': None, 'bias': True, 'input_dim': 128}},
    ]
    model_config = {'class_name': 'Model', 'config': {
        'name': 'two_branches', 'layers': layers, 'input_layers': [['image', 0, 0]],
        'output_layers': [['predictions', 0, 0]]}}
    training_config = {
        'optimizer_config': {'class_name': 'SGD', 'config': {
            'lr': 0.009999999776482582, 'momentum': 0.8999999761581421, 'decay': 0.0,
            'nesterov': False}},
        'loss': 'categorical_crossentropy', 'metrics': ['accuracy'],
        'sample_weight_mode': None, 'loss_weights': None}
    with h5py.File(os.path.join(HERE, 'functional_model.h5'), 'w') as f:
        f.attrs['keras_version'] = b'1.2.2'
        f.attrs['model_config'] = json.dumps(model_config).encode('utf8')
        save_weights_group(f.create_group('model_weights'), [
            ('image', []), ('branch_1x1', [('W', W1), ('b', b1)]),
            ('branch_3x3', [('W', W2), ('b', b2)]), ('sum', []), ('concat', []),
            ('flatten', []), ('predictions', [('W', Wd), ('b', bd)])], tf_names=True)
        f.attrs['training_config'] = json.dumps(training_config).encode('utf8')
        # Keras 1 saves the optimizer's slots too; keel starts a fresh optimizer.
        og = f.create_group('optimizer_weights')
        og.attrs['weight_names'] = [b'Variable:0']
        og.create_dataset('Variable:0', data=np.zeros((1, 1, 3, 4), np.float32))
    np.save(os.path.join(HERE, 'functional_input.npy'), x)
    np.save(os.path.join(HERE, 'functional_output.npy'), f32(y))


if __name__ == '__main__':
    write_sequential()
    write_functional()
