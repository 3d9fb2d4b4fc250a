#include <gtest/gtest.h>
#include <keel/core/error.h>
#include <keel/core/npy.h>
#include <keel/core/tensor.h>
#include <keel/proto/tensor_io.h>

#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "test_util.h"

namespace keel {
namespace {

std::vector<float> ramp(std::size_t n, float start = 0.f, float step = 1.f) {
  std::vector<float> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = start + step * static_cast<float>(i);
  return v;
}

TEST(TensorIO, ToProtoRecordsNameDtypeShapeAndBytes) {
  const std::vector<float> values{1, -2.5f, 3, 0.125f, 5, 6};
  const proto::TensorProto p = to_proto(Tensor::from_data(Shape({2, 3}), values), "dense/kernel");
  EXPECT_EQ(p.name(), "dense/kernel");
  EXPECT_EQ(p.dtype(), proto::FLOAT32);
  ASSERT_EQ(p.shape_size(), 2);
  EXPECT_EQ(p.shape(0), 2);
  EXPECT_EQ(p.shape(1), 3);
  ASSERT_EQ(p.chunks_size(), 1);
  // Raw little-endian floats in row-major order (the host is little-endian: tensor_io.cpp).
  ASSERT_EQ(p.chunks(0).size(), 6 * sizeof(float));
  std::vector<float> decoded(6);
  std::memcpy(decoded.data(), p.chunks(0).data(), 6 * sizeof(float));
  EXPECT_EQ(decoded, values);
}

TEST(TensorIO, RoundTripKeepsValuesAndShape) {
  const Tensor t = Tensor::from_data(Shape({2, 3, 4}), ramp(24, -3.f, 0.25f));
  const Tensor back = from_proto(to_proto(t, "w"));
  EXPECT_EQ(back.shape(), t.shape());
  EXPECT_EQ(back.to_vector(), t.to_vector());
}

TEST(TensorIO, RoundTripThroughSerializedBytes) {
  const Tensor t = Tensor::from_data(Shape({3}), {1.5f, -0.f, 1e-30f});
  std::string wire;
  ASSERT_TRUE(to_proto(t, "b").SerializeToString(&wire));
  proto::TensorProto p;
  ASSERT_TRUE(p.ParseFromString(wire));
  EXPECT_EQ(from_proto(p).to_vector(), t.to_vector());
}

TEST(TensorIO, ScalarRoundTrips) {
  const proto::TensorProto p = to_proto(Tensor::scalar(7.f), "s");
  EXPECT_EQ(p.shape_size(), 0);
  const Tensor back = from_proto(p);
  EXPECT_EQ(back.rank(), 0);
  EXPECT_EQ(back.item(), 7.f);
}

TEST(TensorIO, ChunksOfEightBytesSplitTenFloatsInFive) {
  const Tensor t = Tensor::from_data(Shape({10}), ramp(10));
  const proto::TensorProto p = to_proto(t, "v", 8);
  ASSERT_EQ(p.chunks_size(), 5);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(p.chunks(i).size(), 8u) << "chunk " << i;
  EXPECT_EQ(from_proto(p).to_vector(), t.to_vector());
}

TEST(TensorIO, LastChunkHoldsTheRemainder) {
  // 40 bytes in chunks of 12: 12 + 12 + 12 + 4.
  const Tensor t = Tensor::from_data(Shape({10}), ramp(10));
  const proto::TensorProto p = to_proto(t, "v", 12);
  ASSERT_EQ(p.chunks_size(), 4);
  EXPECT_EQ(p.chunks(3).size(), 4u);
  EXPECT_EQ(from_proto(p).to_vector(), t.to_vector());
}

TEST(TensorIO, BlockedTensorIsWrittenRowMajor) {
  const dnnl::memory::desc blocked({1, 3, 2, 2}, dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::nChw16c);
  const std::vector<float> values = ramp(12, 1.f);
  const Tensor t = Tensor::from_data(Shape({1, 3, 2, 2}), values).to_desc(blocked);
  ASSERT_FALSE(t.is_plain());
  const proto::TensorProto p = to_proto(t, "conv/kernel");
  ASSERT_EQ(p.chunks_size(), 1);
  ASSERT_EQ(p.chunks(0).size(), 12 * sizeof(float));  // no block padding on disk
  EXPECT_EQ(from_proto(p).to_vector(), values);
}

TEST(TensorIO, ZeroChunkBytesIsAValueError) {
  EXPECT_THROW_MSG(to_proto(Tensor::zeros(Shape({2})), "v", 0), ValueError, "chunk_bytes is 0");
}

TEST(TensorIO, WrongByteCountNamesTheTensorAndTheCounts) {
  proto::TensorProto p = to_proto(Tensor::zeros(Shape({2, 3})), "conv1/kernel");
  p.mutable_chunks(0)->resize(20);
  EXPECT_THROW_MSG(from_proto(p), IOError,
                   "tensor 'conv1/kernel': 20 data bytes for shape (2, 3), expected 24");
}

TEST(TensorIO, ExtraChunkIsAWrongByteCount) {
  proto::TensorProto p = to_proto(Tensor::zeros(Shape({2})), "b");
  p.add_chunks(std::string(4, '\0'));
  EXPECT_THROW_MSG(from_proto(p), IOError, "tensor 'b': 12 data bytes for shape (2,), expected 8");
}

TEST(TensorIO, WrongDtypeIsAnIOErrorNamingTheTensor) {
  proto::TensorProto p = to_proto(Tensor::zeros(Shape({2})), "bias");
  p.set_dtype(proto::DATA_TYPE_UNSPECIFIED);
  EXPECT_THROW_MSG(from_proto(p), IOError, "tensor 'bias': dtype 0 is not float32");
}

TEST(TensorIO, NegativeDimIsAnIOError) {
  proto::TensorProto p = to_proto(Tensor::zeros(Shape({2})), "bias");
  p.set_shape(0, -2);
  EXPECT_THROW_MSG(from_proto(p), IOError, "tensor 'bias': negative dimension -2");
}

TEST(TensorIO, RankAboveSixIsAnIOError) {
  proto::TensorProto p = to_proto(Tensor::zeros(Shape({1})), "x");
  for (int i = 0; i < 6; ++i) p.add_shape(1);
  EXPECT_THROW_MSG(from_proto(p), IOError, "tensor 'x': rank 7 exceeds 6");
}

}  // namespace
}  // namespace keel

namespace keel {
namespace {

// Found by the npy fuzzer: an empty Fortran-order array made oneDNN's reorder divide by zero.
TEST(TensorIo, EmptyFortranOrderNpyReadsAsAnEmptyTensor) {
  std::string header = "{'descr': '<f8', 'fortran_order': True, 'shape': (0, 2), }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header;
  std::istringstream in(bytes);
  const Tensor t = read_npy(in, "empty.npy");
  EXPECT_EQ(t.shape(), (Shape{0, 2}));
  EXPECT_TRUE(t.to_vector().empty());
}

TEST(TensorIo, NpyShapeThatIsNotATupleIsAnIOError) {
  std::string header = "{'descr': '<i4', 'fortran_order': False, 'shape': , }";
  while ((10 + header.size() + 1) % 64 != 0) header += ' ';
  header += '\n';
  std::string bytes("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  bytes += header;
  std::istringstream in(bytes);
  EXPECT_THROW((void)read_npy(in, "bad.npy"), IOError);
}

}  // namespace
}  // namespace keel
