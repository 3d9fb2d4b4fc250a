// Fashion-MNIST (Xiao et al. 2017): 60000 training and 10000 test 28x28 grayscale images of
// clothing in 10 classes, in the MNIST IDX format.
//
// The data comes from the Debian package dataset-fashion-mnist, which installs into
// /usr/share/datasets/fashion-mnist:
//   train-images-idx3-ubyte.gz  train-labels-idx1-ubyte.gz
//   t10k-images-idx3-ubyte.gz   t10k-labels-idx1-ubyte.gz
// The loader reads each file gzipped (NAME.gz) or not (NAME), whichever is in the directory.
//
// Images are float32 scaled to [0, 1] (pixel / 255); labels are float32 class indices 0..9.
// Throws IOError naming the file: a missing file (with the Debian package to install), a corrupt
// file (see data/idx.h), images and labels of different counts, a label outside 0..9.
#pragma once

#include <cstdint>
#include <string>

#include "keel/core/config.h"
#include "keel/core/tensor.h"

namespace keel {

inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kFashionMnistPackage = "dataset-fashion-mnist";
inline constexpr int kFashionMnistClasses = 10;

// The file names in kFashionMnistDir (the package installs them with a ".gz" suffix).
inline constexpr const char* kFashionMnistTrainImages = "train-images-idx3-ubyte";
inline constexpr const char* kFashionMnistTrainLabels = "train-labels-idx1-ubyte";
inline constexpr const char* kFashionMnistTestImages = "t10k-images-idx3-ubyte";
inline constexpr const char* kFashionMnistTestLabels = "t10k-labels-idx1-ubyte";

struct FashionMnist {
  Tensor x_train;  // (N, 28, 28, 1) for tf, (N, 1, 28, 28) for th; values in [0, 1]
  Tensor y_train;  // (N,) class indices 0..9 as float
  Tensor x_test;
  Tensor y_test;
};

// Loads the four files of `dir`. `limit_train` > 0 keeps only the first limit_train training
// samples (all of them when it is 0 or larger than the set); the test set is always whole.
// `dim_ordering` th gives images of shape (N, 1, 28, 28). ValueError if limit_train < 0.
FashionMnist load_fashion_mnist(const std::string& dir = kFashionMnistDir,
                                std::int64_t limit_train = 0,
                                DimOrdering dim_ordering = DimOrdering::tf);

// Images read from an unsigned-byte IDX file of rank 3 (count, rows, cols), scaled to [0, 1],
// with a channel axis of 1 added last (tf) or after the count (th). IOError as read_idx.
Tensor load_idx_images(const std::string& path, DimOrdering dim_ordering = DimOrdering::tf);
// Labels read from an unsigned-byte IDX file of rank 1, as float class indices of shape (N,).
Tensor load_idx_labels(const std::string& path);

// One-hot encoding like Keras's np_utils.to_categorical: `labels` holds N class indices (any
// shape); the result is (N, num_classes) with a 1 in column labels[i] of row i.
// ValueError if num_classes < 1 or a label is not an integer in [0, num_classes).
Tensor to_categorical(const Tensor& labels, int num_classes);

}  // namespace keel
