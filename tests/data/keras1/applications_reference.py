#!/usr/bin/python3
"""Re-derivation (independent mini-graph, no Keras) of the Keras 1.2.2 application
architectures, used to compute parameter counts, output shapes, the Keras-1 auto
layer names (fresh session) and the Keras 1.2.2 `Model.layers` ordering
(the order used by `load_weights` when by_name=False).
Shapes are given in 'tf' ordering (rows, cols, channels); param counts are
identical for 'th'."""
import sys, collections
sys.setrecursionlimit(100000)

def col(n, k, s, border):   # keras 1.2.2 conv_output_length (dilation 1)
    if n is None: return None
    if border == 'same': o = n
    elif border == 'valid': o = n - k + 1
    return (o + s - 1) // s

class G:
    def __init__(self):
        self.layers = []; self.uid = collections.Counter()
    def add(self, cls, name, inb, shape, tw=(), ntw=(), info=''):
        if not name:
            prefix = 'input' if cls == 'InputLayer' else cls.lower()
            self.uid[prefix] += 1
            name = prefix + '_' + str(self.uid[prefix])
        L = dict(cls=cls, name=name, inb=inb, shape=shape, tw=list(tw), ntw=list(ntw), info=info)
        self.layers.append(L); return L
    # layer helpers
    def input(self, shape): return self.add('InputLayer', None, [], shape)
    def conv(self, x, nf, r, c, sub=(1,1), border='valid', act='linear', bias=True, name=None):
        h, w, ci = x['shape']
        sh = (col(h, r, sub[0], border), col(w, c, sub[1], border), nf)
        tw = [('W', (r, c, ci, nf))] + ([('b', (nf,))] if bias else [])
        return self.add('Convolution2D', name, [x], sh, tw, info='%d %dx%d sub=%s %s act=%s bias=%s' % (nf, r, c, sub, border, act, bias))
    def sep(self, x, nf, r, c, border='valid', bias=True, name=None):
        h, w, ci = x['shape']
        sh = (col(h, r, 1, border), col(w, c, 1, border), nf)
        tw = [('depthwise_kernel', (r, c, ci, 1)), ('pointwise_kernel', (1, 1, ci, nf))] + ([('b', (nf,))] if bias else [])
        return self.add('SeparableConvolution2D', name, [x], sh, tw, info='%d %dx%d %s bias=%s' % (nf, r, c, border, bias))
    def bn(self, x, axis=-1, name=None):
        c = x['shape'][-1]
        return self.add('BatchNormalization', name, [x], x['shape'], [('gamma', (c,)), ('beta', (c,))],
                        [('running_mean', (c,)), ('running_std', (c,))], info='axis=%s eps=1e-3 mode=0 mom=0.99' % axis)
    def act(self, x, a='relu', name=None): return self.add('Activation', name, [x], x['shape'], info=a)
    def pool(self, x, kind, size, strides=None, border='valid', name=None):
        strides = strides or size
        h, w, c = x['shape']
        sh = (col(h, size[0], strides[0], border), col(w, size[1], strides[1], border), c)
        return self.add(kind, name, [x], sh, info='%s s=%s %s' % (size, strides, border))
    def zpad(self, x, p, name=None):
        h, w, c = x['shape']; return self.add('ZeroPadding2D', name, [x], (h + 2*p, w + 2*p, c), info='pad=%d' % p)
    def merge(self, xs, mode, axis=-1, name=None):
        if mode == 'sum':
            assert all(t['shape'] == xs[0]['shape'] for t in xs), [t['shape'] for t in xs]
            sh = xs[0]['shape']
        else:
            assert all(t['shape'][:2] == xs[0]['shape'][:2] for t in xs), [t['shape'] for t in xs]
            sh = xs[0]['shape'][:2] + (sum(t['shape'][2] for t in xs),)
        return self.add('Merge', name, list(xs), sh, info=mode + ('' if mode == 'sum' else ' axis=%s' % axis))
    def flatten(self, x, name=None):
        n = 1
        for d in x['shape']: n *= d
        return self.add('Flatten', name, [x], (n,))
    def gap(self, x, name=None): return self.add('GlobalAveragePooling2D', name, [x], (x['shape'][-1],))
    def dense(self, x, n, act, name=None):
        return self.add('Dense', name, [x], (n,), [('W', (x['shape'][0], n)), ('b', (n,))], info='act=' + act)

def prod(s):
    p = 1
    for d in s: p *= d
    return p

def keras1_layer_order(g, output):
    """Faithful re-implementation of keras 1.2.2 Container.__init__ layer ordering."""
    layers_depths = {}; layer_indices = {}; seen = set()
    def visit(L, depth):
        seen.add((L['name'], depth))
        prev = layers_depths.get(L['name'])
        cur = depth if prev is None else max(depth, prev)
        layers_depths[L['name']] = cur
        if L['name'] not in layer_indices: layer_indices[L['name']] = len(layer_indices)
        for P in L['inb']:
            if (P['name'], cur + 1) not in seen:
                visit(P, cur + 1)
    visit(output, 0)
    by_depth = collections.defaultdict(list)
    for n, d in layers_depths.items(): by_depth[d].append(n)
    order = []
    for d in sorted(by_depth, reverse=True):
        order += sorted(by_depth[d], key=lambda n: layer_indices[n])
    return order

# ---------------------------------------------------------------- models
def vgg(cfg, classes=1000, top=True):
    g = G(); x = g.input((224, 224, 3))
    for b, (nf, n) in enumerate(cfg, 1):
        for i in range(1, n + 1):
            x = g.conv(x, nf, 3, 3, border='same', act='relu', name='block%d_conv%d' % (b, i))
        x = g.pool(x, 'MaxPooling2D', (2, 2), (2, 2), name='block%d_pool' % b)
    if top:
        x = g.flatten(x, name='flatten')
        x = g.dense(x, 4096, 'relu', name='fc1'); x = g.dense(x, 4096, 'relu', name='fc2')
        x = g.dense(x, classes, 'softmax', name='predictions')
    return g, x

def resnet50(classes=1000, top=True):
    g = G()
    def identity_block(t, k, filters, stage, block):
        f1, f2, f3 = filters; cb = 'res%d%s_branch' % (stage, block); bb = 'bn%d%s_branch' % (stage, block)
        x = g.conv(t, f1, 1, 1, name=cb + '2a'); x = g.bn(x, 3, name=bb + '2a'); x = g.act(x)
        x = g.conv(x, f2, k, k, border='same', name=cb + '2b'); x = g.bn(x, 3, name=bb + '2b'); x = g.act(x)
        x = g.conv(x, f3, 1, 1, name=cb + '2c'); x = g.bn(x, 3, name=bb + '2c')
        x = g.merge([x, t], 'sum'); return g.act(x)
    def conv_block(t, k, filters, stage, block, strides=(2, 2)):
        f1, f2, f3 = filters; cb = 'res%d%s_branch' % (stage, block); bb = 'bn%d%s_branch' % (stage, block)
        x = g.conv(t, f1, 1, 1, sub=strides, name=cb + '2a'); x = g.bn(x, 3, name=bb + '2a'); x = g.act(x)
        x = g.conv(x, f2, k, k, border='same', name=cb + '2b'); x = g.bn(x, 3, name=bb + '2b'); x = g.act(x)
        x = g.conv(x, f3, 1, 1, name=cb + '2c'); x = g.bn(x, 3, name=bb + '2c')
        s = g.conv(t, f3, 1, 1, sub=strides, name=cb + '1'); s = g.bn(s, 3, name=bb + '1')
        x = g.merge([x, s], 'sum'); return g.act(x)
    i = g.input((224, 224, 3))
    x = g.zpad(i, 3); x = g.conv(x, 64, 7, 7, sub=(2, 2), name='conv1'); x = g.bn(x, 3, name='bn_conv1'); x = g.act(x)
    x = g.pool(x, 'MaxPooling2D', (3, 3), (2, 2))
    x = conv_block(x, 3, [64, 64, 256], 2, 'a', strides=(1, 1))
    for b in 'bc': x = identity_block(x, 3, [64, 64, 256], 2, b)
    x = conv_block(x, 3, [128, 128, 512], 3, 'a')
    for b in 'bcd': x = identity_block(x, 3, [128, 128, 512], 3, b)
    x = conv_block(x, 3, [256, 256, 1024], 4, 'a')
    for b in 'bcdef': x = identity_block(x, 3, [256, 256, 1024], 4, b)
    x = conv_block(x, 3, [512, 512, 2048], 5, 'a')
    for b in 'bc': x = identity_block(x, 3, [512, 512, 2048], 5, b)
    x = g.pool(x, 'AveragePooling2D', (7, 7), name='avg_pool')
    if top:
        x = g.flatten(x); x = g.dense(x, classes, 'softmax', name='fc1000')
    return g, x

def inception_v3(classes=1000, top=True):
    g = G()
    def cbn(x, nf, r, c, border='same', sub=(1, 1), name=None):
        x = g.conv(x, nf, r, c, sub=sub, border=border, act='relu', bias=True, name=(name + '_conv') if name else None)
        return g.bn(x, 3, name=(name + '_bn') if name else None)
    AP = lambda x: g.pool(x, 'AveragePooling2D', (3, 3), (1, 1), 'same')
    i = g.input((299, 299, 3))
    x = cbn(i, 32, 3, 3, sub=(2, 2), border='valid'); x = cbn(x, 32, 3, 3, border='valid'); x = cbn(x, 64, 3, 3)
    x = g.pool(x, 'MaxPooling2D', (3, 3), (2, 2))
    x = cbn(x, 80, 1, 1, border='valid'); x = cbn(x, 192, 3, 3, border='valid')
    x = g.pool(x, 'MaxPooling2D', (3, 3), (2, 2))
    for k in range(3):
        b1 = cbn(x, 64, 1, 1)
        b5 = cbn(x, 48, 1, 1); b5 = cbn(b5, 64, 5, 5)
        bd = cbn(x, 64, 1, 1); bd = cbn(bd, 96, 3, 3); bd = cbn(bd, 96, 3, 3)
        bp = AP(x); bp = cbn(bp, 32, 1, 1)
        x = g.merge([b1, b5, bd, bp], 'concat', 3, name='mixed%d' % k)
    b3 = cbn(x, 384, 3, 3, sub=(2, 2), border='valid')
    bd = cbn(x, 64, 1, 1); bd = cbn(bd, 96, 3, 3); bd = cbn(bd, 96, 3, 3, sub=(2, 2), border='valid')
    bp = g.pool(x, 'MaxPooling2D', (3, 3), (2, 2))
    x = g.merge([b3, bd, bp], 'concat', 3, name='mixed3')
    def m7(x, c, name):
        b1 = cbn(x, 192, 1, 1)
        b7 = cbn(x, c, 1, 1); b7 = cbn(b7, c, 1, 7); b7 = cbn(b7, 192, 7, 1)
        bd = cbn(x, c, 1, 1); bd = cbn(bd, c, 7, 1); bd = cbn(bd, c, 1, 7); bd = cbn(bd, c, 7, 1); bd = cbn(bd, 192, 1, 7)
        bp = AP(x); bp = cbn(bp, 192, 1, 1)
        return g.merge([b1, b7, bd, bp], 'concat', 3, name=name)
    x = m7(x, 128, 'mixed4')
    for k in range(2): x = m7(x, 160, 'mixed%d' % (5 + k))
    # mixed7: note branch7x7dbl first 1x1 has 160 filters in the 1.2.2 code
    b1 = cbn(x, 192, 1, 1)
    b7 = cbn(x, 192, 1, 1); b7 = cbn(b7, 192, 1, 7); b7 = cbn(b7, 192, 7, 1)
    bd = cbn(x, 160, 1, 1); bd = cbn(bd, 192, 7, 1); bd = cbn(bd, 192, 1, 7); bd = cbn(bd, 192, 7, 1); bd = cbn(bd, 192, 1, 7)
    bp = AP(x); bp = cbn(bp, 192, 1, 1)
    x = g.merge([b1, b7, bd, bp], 'concat', 3, name='mixed7')
    b3 = cbn(x, 192, 1, 1); b3 = cbn(b3, 320, 3, 3, sub=(2, 2), border='valid')
    b7 = cbn(x, 192, 1, 1); b7 = cbn(b7, 192, 1, 7); b7 = cbn(b7, 192, 7, 1); b7 = cbn(b7, 192, 3, 3, sub=(2, 2), border='valid')
    bp = g.pool(x, 'AveragePooling2D', (3, 3), (2, 2))
    x = g.merge([b3, b7, bp], 'concat', 3, name='mixed8')
    for k in range(2):
        b1 = cbn(x, 320, 1, 1)
        b3 = cbn(x, 384, 1, 1); b31 = cbn(b3, 384, 1, 3); b32 = cbn(b3, 384, 3, 1)
        b3 = g.merge([b31, b32], 'concat', 3, name='mixed9_%d' % k)
        bd = cbn(x, 448, 1, 1); bd = cbn(bd, 384, 3, 3); bd1 = cbn(bd, 384, 1, 3); bd2 = cbn(bd, 384, 3, 1)
        bd = g.merge([bd1, bd2], 'concat', 3)
        bp = AP(x); bp = cbn(bp, 192, 1, 1)
        x = g.merge([b1, b3, bd, bp], 'concat', 3, name='mixed%d' % (9 + k))
    if top:
        x = g.pool(x, 'AveragePooling2D', (8, 8), (8, 8), name='avg_pool')
        x = g.flatten(x, name='flatten'); x = g.dense(x, classes, 'softmax', name='predictions')
    return g, x

def xception(classes=1000, top=True):
    g = G(); i = g.input((299, 299, 3))
    x = g.conv(i, 32, 3, 3, sub=(2, 2), bias=False, name='block1_conv1'); x = g.bn(x, name='block1_conv1_bn'); x = g.act(x, name='block1_conv1_act')
    x = g.conv(x, 64, 3, 3, bias=False, name='block1_conv2'); x = g.bn(x, name='block1_conv2_bn'); x = g.act(x, name='block1_conv2_act')
    r = g.conv(x, 128, 1, 1, sub=(2, 2), border='same', bias=False); r = g.bn(r)
    x = g.sep(x, 128, 3, 3, 'same', False, name='block2_sepconv1'); x = g.bn(x, name='block2_sepconv1_bn')
    x = g.act(x, name='block2_sepconv2_act')
    x = g.sep(x, 128, 3, 3, 'same', False, name='block2_sepconv2'); x = g.bn(x, name='block2_sepconv2_bn')
    x = g.pool(x, 'MaxPooling2D', (3, 3), (2, 2), 'same', name='block2_pool'); x = g.merge([x, r], 'sum')
    for b, nf in ((3, 256), (4, 728)):
        r = g.conv(x, nf, 1, 1, sub=(2, 2), border='same', bias=False); r = g.bn(r)
        p = 'block%d' % b
        x = g.act(x, name=p + '_sepconv1_act'); x = g.sep(x, nf, 3, 3, 'same', False, name=p + '_sepconv1'); x = g.bn(x, name=p + '_sepconv1_bn')
        x = g.act(x, name=p + '_sepconv2_act'); x = g.sep(x, nf, 3, 3, 'same', False, name=p + '_sepconv2'); x = g.bn(x, name=p + '_sepconv2_bn')
        x = g.pool(x, 'MaxPooling2D', (3, 3), (2, 2), 'same', name=p + '_pool'); x = g.merge([x, r], 'sum')
    for k in range(8):
        r = x; p = 'block%d' % (k + 5)
        for j in (1, 2, 3):
            x = g.act(x, name=p + '_sepconv%d_act' % j); x = g.sep(x, 728, 3, 3, 'same', False, name=p + '_sepconv%d' % j)
            x = g.bn(x, name=p + '_sepconv%d_bn' % j)
        x = g.merge([x, r], 'sum')
    r = g.conv(x, 1024, 1, 1, sub=(2, 2), border='same', bias=False); r = g.bn(r)
    x = g.act(x, name='block13_sepconv1_act'); x = g.sep(x, 728, 3, 3, 'same', False, name='block13_sepconv1'); x = g.bn(x, name='block13_sepconv1_bn')
    x = g.act(x, name='block13_sepconv2_act'); x = g.sep(x, 1024, 3, 3, 'same', False, name='block13_sepconv2'); x = g.bn(x, name='block13_sepconv2_bn')
    x = g.pool(x, 'MaxPooling2D', (3, 3), (2, 2), 'same', name='block13_pool'); x = g.merge([x, r], 'sum')
    x = g.sep(x, 1536, 3, 3, 'same', False, name='block14_sepconv1'); x = g.bn(x, name='block14_sepconv1_bn'); x = g.act(x, name='block14_sepconv1_act')
    x = g.sep(x, 2048, 3, 3, 'same', False, name='block14_sepconv2'); x = g.bn(x, name='block14_sepconv2_bn'); x = g.act(x, name='block14_sepconv2_act')
    if top:
        x = g.gap(x, name='avg_pool'); x = g.dense(x, classes, 'softmax', name='predictions')
    return g, x

MODELS = collections.OrderedDict([
    ('VGG16', lambda top=True: vgg([(64, 2), (128, 2), (256, 3), (512, 3), (512, 3)], top=top)),
    ('VGG19', lambda top=True: vgg([(64, 2), (128, 2), (256, 4), (512, 4), (512, 4)], top=top)),
    ('ResNet50', lambda top=True: resnet50(top=top)),
    ('InceptionV3', lambda top=True: inception_v3(top=top)),
    ('Xception', lambda top=True: xception(top=top)),
])

def count(g, out):
    order = keras1_layer_order(g, out)
    byname = {L['name']: L for L in g.layers}
    assert len(order) == len(g.layers)
    t = sum(prod(s) for L in g.layers for _, s in L['tw'])
    nt = sum(prod(s) for L in g.layers for _, s in L['ntw'])
    return t, nt, order, byname

if __name__ == '__main__':
    verbose = '-v' in sys.argv
    for m, f in MODELS.items():
        for top in (True, False):
            g, out = f(top)
            t, nt, order, byname = count(g, out)
            wl = [n for n in order if byname[n]['tw'] or byname[n]['ntw']]
            print('%-12s top=%-5s total=%12s trainable=%12s non-trainable=%9s layers=%d weighted_layers=%d out=%s'
                  % (m, top, format(t + nt, ','), format(t, ','), format(nt, ','), len(order), len(wl), out['shape']))
            if verbose and top:
                for k, n in enumerate(order):
                    L = byname[n]
                    p = sum(prod(s) for _, s in L['tw'] + L['ntw'])
                    print('   %3d %-24s %-22s %-18s %9d  <- %s  %s' % (k, n, L['cls'], L['shape'], p,
                          ','.join(P['name'] for P in L['inb']), L['info']))
