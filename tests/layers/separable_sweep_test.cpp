// SeparableConvolution2D against an independent reference (plain loops in double), swept over
// channels C in {1, 2, 3, 16}, depth_multiplier in {1, 2, 3}, both orderings, valid/same and
// strides 1/2: forward, dx, d(depthwise_kernel), d(pointwise_kernel) and db. The held-back
// conformance cases found C = 1 broken; this sweep keeps that class of edge case covered.
// Also grouped convolutions (the keel `groups` extension) against the same kind of reference.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <cmath>
#include <vector>

#include "test_util.h"

namespace keel::layers {
namespace {

constexpr std::int64_t None = Shape::kUnknown;

// A dense row-major array in double with a Keras shape.
struct Array {
  std::vector<std::int64_t> shape;
  std::vector<double> v;
  explicit Array(std::vector<std::int64_t> s) : shape(std::move(s)) {
    std::int64_t n = 1;
    for (auto d : shape) n *= d;
    v.assign(static_cast<std::size_t>(n), 0.0);
  }
  double& at(std::initializer_list<std::int64_t> idx) {
    std::int64_t flat = 0, k = 0;
    for (auto i : idx) flat = flat * shape[static_cast<std::size_t>(k++)] + i;
    return v[static_cast<std::size_t>(flat)];
  }
};

Array from_tensor(const Tensor& t) {
  Array a(t.shape().vec());
  const std::vector<float> f = t.to_vector();
  for (std::size_t i = 0; i < f.size(); ++i) a.v[i] = f[i];
  return a;
}

// TF padding of one axis: the output length and the zeros before.
struct Axis {
  std::int64_t out, before;
};
Axis tf_axis(std::int64_t length, std::int64_t k, std::int64_t s, bool same) {
  if (!same) return {(length - k) / s + 1, 0};
  const std::int64_t out = (length + s - 1) / s;
  const std::int64_t total = std::max<std::int64_t>((out - 1) * s + k - length, 0);
  return {out, total / 2};
}

// Everything in tf layout: x (N, H, W, C), depthwise (kh, kw, C, dm), pointwise (1, 1, C dm, F).
struct Reference {
  Array y, dx, ddw, dpw, db;
};
Reference separable_reference(Array& x, Array& dw, Array& pw, Array& b, Array& dy, std::int64_t s,
                              bool same) {
  const std::int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2], c = x.shape[3];
  const std::int64_t kh = dw.shape[0], kw = dw.shape[1], dm = dw.shape[3], f = pw.shape[3];
  const Axis ah = tf_axis(h, kh, s, same), aw = tf_axis(w, kw, s, same);
  Array mid({n, ah.out, aw.out, c * dm});
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t oh = 0; oh < ah.out; ++oh)
      for (std::int64_t ow = 0; ow < aw.out; ++ow)
        for (std::int64_t ch = 0; ch < c; ++ch)
          for (std::int64_t m = 0; m < dm; ++m) {
            double acc = 0;
            for (std::int64_t p = 0; p < kh; ++p)
              for (std::int64_t q = 0; q < kw; ++q) {
                const std::int64_t ih = oh * s + p - ah.before, iw = ow * s + q - aw.before;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                acc += x.at({i, ih, iw, ch}) * dw.at({p, q, ch, m});
              }
            mid.at({i, oh, ow, ch * dm + m}) = acc;
          }
  Reference r{Array({n, ah.out, aw.out, f}), Array(x.shape), Array(dw.shape), Array(pw.shape),
              Array(b.shape)};
  Array dmid(mid.shape);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t oh = 0; oh < ah.out; ++oh)
      for (std::int64_t ow = 0; ow < aw.out; ++ow)
        for (std::int64_t o = 0; o < f; ++o) {
          double acc = b.at({o});
          const double g = dy.at({i, oh, ow, o});
          r.db.at({o}) += g;
          for (std::int64_t qd = 0; qd < c * dm; ++qd) {
            acc += mid.at({i, oh, ow, qd}) * pw.at({0, 0, qd, o});
            r.dpw.at({0, 0, qd, o}) += g * mid.at({i, oh, ow, qd});
            dmid.at({i, oh, ow, qd}) += g * pw.at({0, 0, qd, o});
          }
          r.y.at({i, oh, ow, o}) = acc;
        }
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t oh = 0; oh < ah.out; ++oh)
      for (std::int64_t ow = 0; ow < aw.out; ++ow)
        for (std::int64_t ch = 0; ch < c; ++ch)
          for (std::int64_t m = 0; m < dm; ++m) {
            const double g = dmid.at({i, oh, ow, ch * dm + m});
            for (std::int64_t p = 0; p < kh; ++p)
              for (std::int64_t q = 0; q < kw; ++q) {
                const std::int64_t ih = oh * s + p - ah.before, iw = ow * s + q - aw.before;
                if (ih < 0 || ih >= h || iw < 0 || iw >= w) continue;
                r.ddw.at({p, q, ch, m}) += g * x.at({i, ih, iw, ch});
                r.dx.at({i, ih, iw, ch}) += g * dw.at({p, q, ch, m});
              }
          }
  return r;
}

// t permuted: out.shape[i] = t.shape[perm[i]].
Array permuted(Array& t, const std::vector<int>& perm) {
  std::vector<std::int64_t> shape;
  for (int p : perm) shape.push_back(t.shape[static_cast<std::size_t>(p)]);
  Array out(shape);
  const std::size_t rank = shape.size();
  std::vector<std::int64_t> idx(rank, 0);
  for (std::size_t flat = 0; flat < out.v.size(); ++flat) {
    std::int64_t src = 0;
    for (std::size_t k = 0; k < rank; ++k) {
      // the source index along source axis a is idx[position of a in perm]
      std::int64_t stride = 1;
      for (std::size_t j = static_cast<std::size_t>(perm[k]) + 1; j < rank; ++j)
        stride *= t.shape[j];
      src += idx[k] * stride;
    }
    out.v[flat] = t.v[static_cast<std::size_t>(src)];
    for (std::size_t k = rank; k-- > 0;) {
      if (++idx[k] < shape[k]) break;
      idx[k] = 0;
    }
  }
  return out;
}

void expect_close(const Tensor& got, const Array& want, const std::string& what) {
  ASSERT_EQ(got.shape().vec(), want.shape) << what;
  const std::vector<float> g = got.to_vector();
  for (std::size_t i = 0; i < g.size(); ++i)
    ASSERT_NEAR(g[i], want.v[i], 1e-4 * (1.0 + std::abs(want.v[i]))) << what << " element " << i;
}

TEST(SeparableConvolution2DSweep, EveryChannelCountAndDepthMultiplierMatchesTheReference) {
  set_seed(7);
  int cases = 0;
  for (std::int64_t c : {1, 2, 3, 16})
    for (std::int64_t dm : {1, 2, 3})
      for (bool tf : {true, false})
        for (bool same : {false, true})
          for (std::int64_t s : {1, 2}) {
            const std::string what = "C=" + std::to_string(c) + " dm=" + std::to_string(dm) +
                                     (tf ? " tf" : " th") + (same ? " same" : " valid") +
                                     " s=" + std::to_string(s);
            const std::int64_t n = 2, h = 6, w = 5, f = 4;
            // The reference works in tf layout; th tensors are its transposes.
            Array x = from_tensor(Tensor::random_uniform({n, h, w, c}, -1.f, 1.f));
            Array dw = from_tensor(Tensor::random_uniform({3, 2, c, dm}, -1.f, 1.f));
            Array pw = from_tensor(Tensor::random_uniform({1, 1, c * dm, f}, -1.f, 1.f));
            Array b = from_tensor(Tensor::random_uniform({f}, -1.f, 1.f));
            const Axis ah = tf_axis(h, 3, s, same), aw = tf_axis(w, 2, s, same);
            Array dy = from_tensor(Tensor::random_uniform({n, ah.out, aw.out, f}, -1.f, 1.f));
            const Reference ref = separable_reference(x, dw, pw, b, dy, s, same);

            auto tensor = [](const Array& a) {
              std::vector<float> v(a.v.begin(), a.v.end());
              return Tensor::from_data(Shape(a.shape), v);
            };
            const std::vector<int> to_th{0, 3, 1, 2}, dw_th{3, 2, 0, 1}, pw_th{3, 2, 0, 1};
            SeparableConvolution2D layer(f, 3, 2,
                                         {.border_mode = same ? "same" : "valid",
                                          .subsample = {s, s},
                                          .depth_multiplier = dm,
                                          .dim_ordering = tf ? "tf" : "th"});
            Array xt = tf ? x : permuted(x, to_th);
            Array dwt = tf ? dw : permuted(dw, dw_th);  // (dm, C, kh, kw)
            Array pwt = tf ? pw : permuted(pw, pw_th);  // (F, C dm, 1, 1)
            Array dyt = tf ? dy : permuted(dy, to_th);
            Variable xv(tensor(xt), true);
            layer.build(xv.shape());
            layer.set_weights({tensor(dwt), tensor(pwt), tensor(b)});
            Tape tape;
            const Variable y = layer(xv);
            const std::vector<Variable> ws = layer.trainable_weights();
            const std::vector<Tensor> g =
                tape.gradient(y, {xv, ws[0], ws[1], ws[2]}, {.output_gradient = tensor(dyt)});
            Array yr = ref.y, dxr = ref.dx, ddwr = ref.ddw, dpwr = ref.dpw;
            expect_close(y.value(), tf ? yr : permuted(yr, to_th), what + " y");
            expect_close(g[0], tf ? dxr : permuted(dxr, to_th), what + " dx");
            expect_close(g[1], tf ? ddwr : permuted(ddwr, dw_th), what + " ddepthwise_kernel");
            expect_close(g[2], tf ? dpwr : permuted(dpwr, pw_th), what + " dpointwise_kernel");
            expect_close(g[3], ref.db, what + " db");
            ++cases;
          }
  EXPECT_EQ(cases, 96);
}

// --- groups ------------------------------------------------------------------------------------

// A grouped tf Convolution2D, 'valid', stride 1, by loops: x (N, H, W, C), W (kh, kw, C/G, F).
Array grouped_reference(Array& x, Array& k, Array& b, std::int64_t groups) {
  const std::int64_t n = x.shape[0], h = x.shape[1], w = x.shape[2];
  const std::int64_t kh = k.shape[0], kw = k.shape[1], cg = k.shape[2], f = k.shape[3];
  const std::int64_t fg = f / groups;
  Array y({n, h - kh + 1, w - kw + 1, f});
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t oh = 0; oh < y.shape[1]; ++oh)
      for (std::int64_t ow = 0; ow < y.shape[2]; ++ow)
        for (std::int64_t o = 0; o < f; ++o) {
          const std::int64_t g = o / fg;
          double acc = b.at({o});
          for (std::int64_t p = 0; p < kh; ++p)
            for (std::int64_t q = 0; q < kw; ++q)
              for (std::int64_t ci = 0; ci < cg; ++ci)
                acc += x.at({i, oh + p, ow + q, g * cg + ci}) * k.at({p, q, ci, o});
          y.at({i, oh, ow, o}) = acc;
        }
  return y;
}

TEST(ConvolutionGroups, ForwardMatchesTheGroupedReferenceInBothOrderings) {
  set_seed(11);
  for (std::int64_t groups : {1, 2, 4}) {
    const std::int64_t c = 8, f = 12;
    Array x = from_tensor(Tensor::random_uniform({2, 5, 6, c}, -1.f, 1.f));
    Array k = from_tensor(Tensor::random_uniform({3, 2, c / groups, f}, -1.f, 1.f));
    Array b = from_tensor(Tensor::random_uniform({f}, -1.f, 1.f));
    Array want = grouped_reference(x, k, b, groups);
    auto tensor = [](const Array& a) {
      return Tensor::from_data(Shape(a.shape), std::vector<float>(a.v.begin(), a.v.end()));
    };
    for (bool tf : {true, false}) {
      Convolution2D conv(f, 3, 2, {.dim_ordering = tf ? "tf" : "th", .groups = groups});
      Array xt = tf ? x : permuted(x, {0, 3, 1, 2});
      Array kt = tf ? k : permuted(k, {3, 2, 0, 1});
      conv.build(Shape(xt.shape));
      EXPECT_EQ(conv.get_weights()[0].shape(), Shape(kt.shape));
      conv.set_weights({tensor(kt), tensor(b)});
      const Variable y = conv(Variable(tensor(xt)));
      expect_close(y.value(), tf ? want : permuted(want, {0, 3, 1, 2}),
                   "groups=" + std::to_string(groups) + (tf ? " tf" : " th"));
    }
  }
}

TEST(ConvolutionGroups, GradcheckOfGroupedConvolution1D2D3D) {
  set_seed(3);
  auto check = [](Layer& layer, const Shape& in) {
    Variable x(Tensor::random_uniform(in, -1.f, 1.f), true);
    layer.build(in);
    std::vector<Variable> params{x};
    for (const Variable& w : layer.trainable_weights()) params.push_back(w);
    const GradcheckResult r = gradcheck([&] { return layer(x); }, params);
    EXPECT_TRUE(r.ok) << layer.name() << ": " << r.message;
  };
  Convolution1D c1(6, 3, {.border_mode = "same", .groups = 3});
  check(c1, {2, 7, 6});
  Convolution2D c2tf(
      4, 3, 3, {.border_mode = "same", .subsample = {2, 2}, .dim_ordering = "tf", .groups = 2});
  check(c2tf, {2, 6, 5, 4});
  Convolution2D c2th(4, 2, 3, {.dim_ordering = "th", .groups = 2});
  check(c2th, {2, 4, 5, 6});
  Convolution3D c3(4, 2, 2, 2, {.dim_ordering = "tf", .groups = 2});
  check(c3, {1, 3, 4, 3, 2});
}

TEST(ConvolutionGroups, ChannelsThatDoNotDivideAreErrors) {
  EXPECT_THROW_MSG(Convolution2D(6, 3, 3, {.groups = 4}), ValueError,
                   "nb_filter 6 does not divide into groups 4");
  EXPECT_THROW_MSG(Convolution2D(8, 3, 3, {.groups = 0}), ValueError, "groups is 0, expected > 0");
  Convolution2D conv(8, 3, 3, {.dim_ordering = "tf", .groups = 4});
  EXPECT_THROW_MSG(conv.output_shape({None, 5, 5, 6}), ShapeError,
                   "has 6 channels, which do not divide into groups 4");
  EXPECT_EQ(conv.get_config()["groups"], 4);
}

}  // namespace
}  // namespace keel::layers
