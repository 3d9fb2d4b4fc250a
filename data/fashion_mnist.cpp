#include "keel/data/fashion_mnist.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <sstream>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/data/idx.h"

namespace keel {
namespace {

// The first `count` images of `idx` as floats in [0, 1] with a unit channel axis.
Tensor images_to_tensor(const IdxData& idx, std::int64_t count, DimOrdering dim_ordering) {
  const std::int64_t rows = idx.dims[1], cols = idx.dims[2];
  const Shape shape =
      dim_ordering == DimOrdering::tf ? Shape{count, rows, cols, 1} : Shape{count, 1, rows, cols};
  Tensor t = Tensor::empty(shape);
  float* out = t.data();
  const std::uint8_t* in = idx.data.data();
  const std::int64_t n = count * rows * cols;  // a unit channel: same order for tf and th
#pragma omp parallel for schedule(static) if (n > (1 << 20))
  for (std::int64_t i = 0; i < n; ++i) out[i] = static_cast<float>(in[i]) / 255.f;
  return t;
}

Tensor labels_to_tensor(const IdxData& idx, std::int64_t count) {
  Tensor t = Tensor::empty(Shape{count});
  std::transform(idx.data.begin(), idx.data.begin() + count, t.data(),
                 [](std::uint8_t v) { return static_cast<float>(v); });
  return t;
}

// `dir`/NAME.gz, else `dir`/NAME; IOError naming both and the Debian package if neither exists.
std::string find_file(const std::string& dir, const char* name) {
  const std::filesystem::path base = std::filesystem::path(dir) / name;
  const std::string gz = base.string() + ".gz";
  std::error_code ec;
  if (std::filesystem::exists(gz, ec)) return gz;
  if (std::filesystem::exists(base, ec)) return base.string();
  throw IOError(fmt::str("Fashion-MNIST: file '", gz, "' not found (nor '", base.string(),
                         "'); install the Debian package ", kFashionMnistPackage,
                         " (apt-get install ", kFashionMnistPackage, "), which puts the data in ",
                         kFashionMnistDir, ", or pass the directory that holds the files"));
}

struct Split {
  Tensor x, y;
};

Split load_split(const std::string& images_path, const std::string& labels_path, std::int64_t limit,
                 DimOrdering dim_ordering) {
  const IdxData images = read_idx(images_path, 3);
  const IdxData labels = read_idx(labels_path, 1);
  if (images.dims[0] != labels.dims[0])
    throw IOError(fmt::str("Fashion-MNIST: '", images_path, "' has ", images.dims[0],
                           " images but '", labels_path, "' has ", labels.dims[0],
                           " labels, expected as many"));
  const auto bad = std::find_if(labels.data.begin(), labels.data.end(),
                                [](std::uint8_t v) { return v >= kFashionMnistClasses; });
  if (bad != labels.data.end())
    throw IOError(fmt::str("Fashion-MNIST: '", labels_path, "': label ", *bad, " at index ",
                           bad - labels.data.begin(), " is not a class index 0 to ",
                           kFashionMnistClasses - 1));
  const std::int64_t count = limit > 0 ? std::min(limit, images.dims[0]) : images.dims[0];
  return {images_to_tensor(images, count, dim_ordering), labels_to_tensor(labels, count)};
}

}  // namespace

Tensor load_idx_images(const std::string& path, DimOrdering dim_ordering) {
  const IdxData idx = read_idx(path, 3);
  return images_to_tensor(idx, idx.dims[0], dim_ordering);
}

Tensor load_idx_labels(const std::string& path) {
  const IdxData idx = read_idx(path, 1);
  return labels_to_tensor(idx, idx.dims[0]);
}

FashionMnist load_fashion_mnist(const std::string& dir, std::int64_t limit_train,
                                DimOrdering dim_ordering) {
  if (limit_train < 0)
    throw ValueError(fmt::str("load_fashion_mnist: limit_train is ", limit_train,
                              ", expected 0 (all) or a positive count"));
  // All four files are looked for before any is read, so a missing one fails at once.
  const std::string train_images = find_file(dir, kFashionMnistTrainImages);
  const std::string train_labels = find_file(dir, kFashionMnistTrainLabels);
  const std::string test_images = find_file(dir, kFashionMnistTestImages);
  const std::string test_labels = find_file(dir, kFashionMnistTestLabels);
  Split train = load_split(train_images, train_labels, limit_train, dim_ordering);
  Split test = load_split(test_images, test_labels, 0, dim_ordering);
  return {std::move(train.x), std::move(train.y), std::move(test.x), std::move(test.y)};
}

Tensor to_categorical(const Tensor& labels, int num_classes) {
  if (num_classes < 1)
    throw ValueError(
        fmt::str("to_categorical: num_classes is ", num_classes, ", expected at least 1"));
  if (!labels.defined()) throw ValueError("to_categorical: labels is an undefined tensor");
  const Tensor plain = labels.to_plain();
  const std::int64_t n = plain.numel();
  const float* in = plain.data();
  Tensor out = Tensor::zeros(Shape{n, num_classes});
  float* o = out.data();
  for (std::int64_t i = 0; i < n; ++i) {
    const float v = in[i];
    if (!(v >= 0.f && v < static_cast<float>(num_classes) && std::floor(v) == v)) {
      std::ostringstream os;
      os << "to_categorical: label " << v << " at index " << i << " is not a class index 0 to "
         << num_classes - 1;
      throw ValueError(os.str());
    }
    o[i * num_classes + static_cast<std::int64_t>(v)] = 1.f;
  }
  return out;
}

}  // namespace keel
