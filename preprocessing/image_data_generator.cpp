#include "keel/preprocessing/image_data_generator.h"

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <numbers>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/data/dataset.h"

namespace keel::preprocessing {

namespace {

constexpr const char* kWho = "ImageDataGenerator: ";

using Matrix3 = std::array<std::array<double, 3>, 3>;

Matrix3 operator*(const Matrix3& a, const Matrix3& b) {
  Matrix3 c{};
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 3; ++k) c[i][j] += a[i][k] * b[k][j];
  return c;
}

double uniform(Philox& rng, double lo, double hi) {
  float u = 0;
  rng.fill_uniform(std::span<float>(&u, 1), 0.f, 1.f);
  return lo + (hi - lo) * static_cast<double>(u);
}

// An index outside [0, n) mapped as scipy.ndimage maps it for each fill_mode; -1 = cval.
std::int64_t fill_index(std::int64_t i, std::int64_t n, const std::string& mode) {
  if (i >= 0 && i < n) return i;
  if (mode == "constant") return -1;
  if (mode == "nearest") return std::clamp<std::int64_t>(i, 0, n - 1);
  if (mode == "wrap") return ((i % n) + n) % n;
  // reflect: d c b a | a b c d | d c b a
  const std::int64_t period = 2 * n;
  std::int64_t j = ((i % period) + period) % period;
  return j < n ? j : period - 1 - j;
}

// The axes of an image (rank 3) in `ordering`.
struct ImageAxes {
  int row, col, channel;
};
ImageAxes axes_of(DimOrdering d) {
  return d == DimOrdering::th ? ImageAxes{1, 2, 0} : ImageAxes{0, 1, 2};
}

}  // namespace

ImageDataGenerator::ImageDataGenerator(const ImageDataGeneratorOptions& o)
    : o_(o), ordering_(parse_dim_ordering(o.dim_ordering, "ImageDataGenerator: dim_ordering")) {
  kwargs::validate(o_, kWho);
  if (o_.zoom_range.is_number()) {
    const double z = o_.zoom_range.get<double>();
    zoom_ = {1 - z, 1 + z};
  } else {
    zoom_ = {o_.zoom_range[0].get<double>(), o_.zoom_range[1].get<double>()};
  }
  if (o_.rescale && *o_.rescale == 0) o_.rescale.reset();
}

Tensor ImageDataGenerator::random_transform(const Tensor& image, Philox& rng) const {
  const Tensor in = image.to_plain();
  const Shape& s = in.shape();
  if (s.rank() != 3)
    throw ShapeError(fmt::str(kWho, "random_transform: image of shape ", s.str(),
                              ", expected rank 3 (one image)"));
  const ImageAxes ax = axes_of(ordering_);
  const std::int64_t h = s[ax.row], w = s[ax.col], channels = s[ax.channel];

  const double theta =
      o_.rotation_range > 0
          ? std::numbers::pi / 180 * uniform(rng, -o_.rotation_range, o_.rotation_range)
          : 0.0;
  const double tx = o_.height_shift_range > 0
                        ? uniform(rng, -o_.height_shift_range, o_.height_shift_range) * double(h)
                        : 0.0;
  const double ty = o_.width_shift_range > 0
                        ? uniform(rng, -o_.width_shift_range, o_.width_shift_range) * double(w)
                        : 0.0;
  const double shear = o_.shear_range > 0 ? uniform(rng, -o_.shear_range, o_.shear_range) : 0.0;
  double zx = 1, zy = 1;
  if (zoom_[0] != 1 || zoom_[1] != 1) {
    zx = uniform(rng, zoom_[0], zoom_[1]);
    zy = uniform(rng, zoom_[0], zoom_[1]);
  }
  const Matrix3 rotation{
      {{std::cos(theta), -std::sin(theta), 0}, {std::sin(theta), std::cos(theta), 0}, {0, 0, 1}}};
  const Matrix3 translation{{{1, 0, tx}, {0, 1, ty}, {0, 0, 1}}};
  const Matrix3 shearing{{{1, -std::sin(shear), 0}, {0, std::cos(shear), 0}, {0, 0, 1}}};
  const Matrix3 zoom{{{zx, 0, 0}, {0, zy, 0}, {0, 0, 1}}};
  // About the image centre, as Keras's transform_matrix_offset_center.
  const double ox = double(h) / 2 + 0.5, oy = double(w) / 2 + 0.5;
  const Matrix3 offset{{{1, 0, ox}, {0, 1, oy}, {0, 0, 1}}};
  const Matrix3 reset{{{1, 0, -ox}, {0, 1, -oy}, {0, 0, 1}}};
  const Matrix3 m = offset * (rotation * translation * shearing * zoom) * reset;
  const bool identity = theta == 0 && tx == 0 && ty == 0 && shear == 0 && zx == 1 && zy == 1;

  Tensor out = identity ? in.clone() : Tensor::empty(s);
  const auto at = [&](std::int64_t r, std::int64_t c, std::int64_t k) {
    return ordering_ == DimOrdering::th ? (k * h + r) * w + c : (r * w + c) * channels + k;
  };
  const float* src = in.data();
  float* dst = out.data();
  if (!identity) {
    const float cval = static_cast<float>(o_.cval);
    for (std::int64_t r = 0; r < h; ++r)
      for (std::int64_t c = 0; c < w; ++c) {
        // The input pixel of output (r, c): nearest neighbour (scipy's order 0).
        const double ir = m[0][0] * double(r) + m[0][1] * double(c) + m[0][2];
        const double ic = m[1][0] * double(r) + m[1][1] * double(c) + m[1][2];
        const std::int64_t sr =
            fill_index(static_cast<std::int64_t>(std::floor(ir + 0.5)), h, o_.fill_mode);
        const std::int64_t sc =
            fill_index(static_cast<std::int64_t>(std::floor(ic + 0.5)), w, o_.fill_mode);
        for (std::int64_t k = 0; k < channels; ++k)
          dst[at(r, c, k)] = sr < 0 || sc < 0 ? cval : src[at(sr, sc, k)];
      }
  }
  if (o_.channel_shift_range > 0) {
    const auto [lo, hi] = std::minmax_element(dst, dst + out.numel());
    const float mn = *lo, mx = *hi;
    for (std::int64_t k = 0; k < channels; ++k) {
      const float shift =
          static_cast<float>(uniform(rng, -o_.channel_shift_range, o_.channel_shift_range));
      for (std::int64_t r = 0; r < h; ++r)
        for (std::int64_t c = 0; c < w; ++c)
          dst[at(r, c, k)] = std::clamp(dst[at(r, c, k)] + shift, mn, mx);
    }
  }
  const auto flip = [&](bool rows) {
    const Tensor copy = out.clone();
    const float* p = copy.data();
    for (std::int64_t r = 0; r < h; ++r)
      for (std::int64_t c = 0; c < w; ++c)
        for (std::int64_t k = 0; k < channels; ++k)
          dst[at(r, c, k)] = p[rows ? at(h - 1 - r, c, k) : at(r, w - 1 - c, k)];
  };
  if (o_.horizontal_flip && uniform(rng, 0, 1) < 0.5) flip(false);
  if (o_.vertical_flip && uniform(rng, 0, 1) < 0.5) flip(true);
  return out;
}

Tensor ImageDataGenerator::standardize(const Tensor& image) const {
  Tensor x = o_.preprocessing_function ? o_.preprocessing_function(image).to_plain().clone()
                                       : image.to_plain().clone();
  const Shape& s = x.shape();
  if (s.rank() != 3)
    throw ShapeError(fmt::str(kWho, "standardize: image of shape ", s.str(), ", expected rank 3"));
  float* p = x.data();
  const std::int64_t n = x.numel();
  if (o_.rescale)
    for (std::int64_t i = 0; i < n; ++i) p[i] *= static_cast<float>(*o_.rescale);
  if (o_.samplewise_center || o_.samplewise_std_normalization) {
    // Along the channel axis, per pixel (Keras 1.2.2's axis).
    const ImageAxes ax = axes_of(ordering_);
    const std::int64_t channels = s[ax.channel], pixels = n / channels;
    const bool th = ordering_ == DimOrdering::th;
    for (std::int64_t q = 0; q < pixels; ++q) {
      const auto idx = [&](std::int64_t k) { return th ? k * pixels + q : q * channels + k; };
      double mean = 0;
      for (std::int64_t k = 0; k < channels; ++k) mean += p[idx(k)];
      mean /= double(channels);
      if (o_.samplewise_center)
        for (std::int64_t k = 0; k < channels; ++k) p[idx(k)] -= static_cast<float>(mean);
      if (o_.samplewise_std_normalization) {
        const double m = o_.samplewise_center ? 0.0 : mean;
        double var = 0;
        for (std::int64_t k = 0; k < channels; ++k) var += (p[idx(k)] - m) * (p[idx(k)] - m);
        const double sd = std::sqrt(var / double(channels));
        for (std::int64_t k = 0; k < channels; ++k) p[idx(k)] /= static_cast<float>(sd + 1e-7);
      }
    }
  }
  const auto fitted = [&](const Tensor& t, const char* what) {
    if (!t.defined())
      throw ValueError(fmt::str(kWho, what,
                                " is on but fit() has not been called with the "
                                "training images"));
    if (!(t.shape() == s) && t.numel() != n)
      throw ShapeError(
          fmt::str(kWho, "images of shape ", s.str(), " but fit() saw ", t.shape().str()));
  };
  if (o_.featurewise_center) {
    fitted(mean_, "featurewise_center");
    for (std::int64_t i = 0; i < n; ++i) p[i] -= mean_.data()[i];
  }
  if (o_.featurewise_std_normalization) {
    fitted(std_, "featurewise_std_normalization");
    for (std::int64_t i = 0; i < n; ++i) p[i] /= std_.data()[i] + 1e-7f;
  }
  if (o_.zca_whitening) {
    if (!principal_components_.defined())
      throw ValueError(fmt::str(kWho, "zca_whitening is on but fit() has not been called"));
    if (principal_components_.shape()[0] != n)
      throw ShapeError(fmt::str(kWho, "images of ", n, " values but fit() saw ",
                                principal_components_.shape()[0]));
    const Eigen::Map<const Eigen::MatrixXf> pcs(principal_components_.data(), n, n);
    const Eigen::Map<const Eigen::RowVectorXf> flat(p, n);
    const Eigen::RowVectorXf white = flat * pcs;  // pcs is symmetric: layout does not matter
    std::copy(white.data(), white.data() + n, p);
  }
  return x;
}

void ImageDataGenerator::fit(const Tensor& x_in, bool augment, int rounds, std::uint64_t seed) {
  Tensor x = x_in.to_plain().clone();
  if (x.shape().rank() != 4)
    throw ShapeError(fmt::str(kWho, "fit: x has shape ", x.shape().str(),
                              ", expected rank 4 (samples, image axes)"));
  if (rounds < 1) throw ValueError(fmt::str(kWho, "fit: rounds is ", rounds, ", expected >= 1"));
  const Shape image = x.shape().drop_front();
  std::int64_t n = x.shape()[0];
  if (augment) {
    Tensor big = Tensor::empty(x.shape().with_dim(0, n * rounds));
    const std::int64_t per = image.numel();
    for (int r = 0; r < rounds; ++r)
      for (std::int64_t i = 0; i < n; ++i) {
        Philox rng(seed, static_cast<std::uint64_t>(r * n + i) * 1024);
        const std::vector<std::int64_t> one{i};
        const Tensor t = random_transform(take_rows(x, one).reshape(image), rng);
        std::copy(t.data(), t.data() + per, big.data() + (r * n + i) * per);
      }
    x = big;
    n *= rounds;
  }
  const std::int64_t d = image.numel();
  Eigen::Map<Eigen::MatrixXf> flat(x.data(), d, n);  // column i = sample i
  if (o_.featurewise_center) {
    mean_ = Tensor::empty(image);
    Eigen::Map<Eigen::VectorXf> mean(mean_.data(), d);
    mean = flat.rowwise().mean();
    flat.colwise() -= mean;
  }
  if (o_.featurewise_std_normalization) {
    std_ = Tensor::empty(image);
    Eigen::Map<Eigen::VectorXf> sd(std_.data(), d);
    const Eigen::VectorXf mu = flat.rowwise().mean();
    sd = ((flat.colwise() - mu).array().square().rowwise().sum() / float(n)).sqrt();
    flat.array().colwise() /= (sd.array() + 1e-7f);
  }
  if (o_.zca_whitening) {
    const Eigen::MatrixXf sigma = flat * flat.transpose() / float(n);
    const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXf> eig(sigma);
    const Eigen::VectorXf inv = (eig.eigenvalues().array().max(0.f) + 10e-7f).rsqrt();
    principal_components_ = Tensor::empty(Shape{d, d});
    Eigen::Map<Eigen::MatrixXf> pcs(principal_components_.data(), d, d);
    pcs = eig.eigenvectors() * inv.asDiagonal() * eig.eigenvectors().transpose();
  }
}

std::shared_ptr<ImageIterator> ImageDataGenerator::flow(const Tensor& x, const Tensor& y,
                                                        const FlowOptions& o) const {
  kwargs::validate(o, "flow: ");
  return std::make_shared<ArrayIterator>(std::make_shared<const ImageDataGenerator>(*this), x, y,
                                         o);
}

std::shared_ptr<DirectoryIterator> ImageDataGenerator::flow_from_directory(
    const std::string& directory, const DirectoryOptions& o) const {
  return std::make_shared<DirectoryIterator>(std::make_shared<const ImageDataGenerator>(*this),
                                             directory, o);
}

}  // namespace keel::preprocessing
