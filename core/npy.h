// NumPy .npy files (format versions 1.0, 2.0 and 3.0): tensors in and out, so that Keras-
// layout weights from Keras or PyTorch can be brought in and keel's inspected in Python.
//
// read_npy accepts little-endian float32, float64, int32 and int64 arrays in C or Fortran order
// and returns a plain float32 tensor in C order. write_npy writes '<f4' C order, version 1.0.
// Errors are IOErrors naming the path and the problem (missing file, bad magic, unsupported
// dtype, truncated data, ...).
#pragma once

#include <istream>
#include <string>

#include "keel/core/tensor.h"

namespace keel {

Tensor read_npy(const std::string& path);
// `what` names the source in errors (a path, or "archive.npz:W.npy").
Tensor read_npy(std::istream& in, const std::string& what);
void write_npy(const std::string& path, const Tensor& t);
// The whole .npy file as bytes.
std::string npy_bytes(const Tensor& t);

}  // namespace keel
