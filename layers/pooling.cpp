#include "keel/layers/pooling.h"

#include "keel/autograd/resize_ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/layers/factory.h"

namespace keel::layers {

kwargs::Rule<std::vector<std::int64_t>> pool_strides_rule(std::size_t rank) {
  return [rank](const std::vector<std::int64_t>& v) -> std::string {
    bool ok = v.empty() || v.size() == rank;
    for (auto s : v) ok = ok && s >= 1;
    return ok ? std::string() : fmt::str("None or ", rank, " strides, each >= 1");
  };
}

// --- PoolingBase -----------------------------------------------------------------------------

void PoolingBase::configure(int rank, PoolingAlgorithm algorithm, std::vector<std::int64_t> pool,
                            std::vector<std::int64_t> strides, const std::string& border_mode,
                            DimOrdering ordering) {
  rank_ = rank;
  algorithm_ = algorithm;
  pool_ = std::move(pool);
  strides_ = strides.empty() ? pool_ : std::move(strides);
  border_ = parse_border_mode(border_mode, {BorderMode::valid, BorderMode::same}, who());
  ordering_ = ordering;
}

Shape PoolingBase::compute_output_shape(const Shape& in) const {
  check_image_input(in, rank_, ordering_);
  const int first = ordering_ == DimOrdering::tf ? 1 : 2;
  Shape out = in;
  for (int i = 0; i < rank_; ++i) {
    const std::int64_t length = in[first + i];
    const std::int64_t o = conv_output_length(length, pool_[i], border_, strides_[i]);
    if (length != Shape::kUnknown && o < 1)
      throw ShapeError(fmt::str(who(), "a 'valid' window of ", pool_[i],
                                " does not fit spatial axis ", i, " of length ", length,
                                " (input shape ", in.str(), ")"));
    out = out.with_dim(first + i, o);
  }
  return out;
}

Variable PoolingBase::call(const Variable& x) {
  const bool tf = ordering_ == DimOrdering::tf;
  const int first = tf ? 1 : 2;
  PoolSpec spec;
  spec.algorithm = algorithm_;
  spec.kernel = pool_;
  spec.strides = strides_;
  for (int i = 0; i < rank_; ++i) {
    const Padding pad = conv_padding(x.shape()[first + i], pool_[i], border_, strides_[i]);
    spec.padding_l.push_back(pad.before);
    spec.padding_r.push_back(pad.after);
  }
  spec.data_axes = image_data_axes(rank_, tf);
  return pooling(x, spec);
}

// --- GlobalPoolingBase -----------------------------------------------------------------------

Shape GlobalPoolingBase::compute_output_shape(const Shape& in) const {
  check_image_input(in, rank_, ordering_);
  return Shape{in[0], in[ordering_ == DimOrdering::tf ? rank_ + 1 : 1]};
}

Variable GlobalPoolingBase::call(const Variable& x) {
  return global_pooling(x, algorithm_, image_data_axes(rank_, ordering_ == DimOrdering::tf));
}

// --- the classes -----------------------------------------------------------------------------

template <class O, int Rank, PoolingAlgorithm A>
WindowPooling<O, Rank, A>::WindowPooling(std::string class_name, const O& o)
    : WithOptions<O, PoolingBase>(o, std::move(class_name), base_options(o)) {
  auto& o_ = this->o_;
  this->accept_options(o_);
  if constexpr (Rank == 1) {
    if (!o_.stride) o_.stride = o_.pool_length;  // Keras stores the resolved stride
    this->configure(1, A, {o_.pool_length}, {*o_.stride}, o_.border_mode, DimOrdering::tf);
  } else {
    if (o_.strides.empty()) o_.strides = o_.pool_size.vec();
    this->configure(Rank, A, o_.pool_size.vec(), o_.strides, o_.border_mode,
                    o_.dim_ordering == "th" ? DimOrdering::th : DimOrdering::tf);
  }
}

template <class O, int Rank, PoolingAlgorithm A>
GlobalPooling<O, Rank, A>::GlobalPooling(std::string class_name, const O& o)
    : WithOptions<O, GlobalPoolingBase>(o, std::move(class_name), base_options(o), Rank, A) {
  auto& o_ = this->o_;
  this->accept_options(o_);
  if constexpr (Rank > 1)
    this->set_ordering(o_.dim_ordering == "th" ? DimOrdering::th : DimOrdering::tf);
}

template class WindowPooling<Pooling1DOptions, 1, PoolingAlgorithm::max>;
template class WindowPooling<Pooling1DOptions, 1, PoolingAlgorithm::average>;
template class WindowPooling<Pooling2DOptions, 2, PoolingAlgorithm::max>;
template class WindowPooling<Pooling2DOptions, 2, PoolingAlgorithm::average>;
template class WindowPooling<Pooling3DOptions, 3, PoolingAlgorithm::max>;
template class WindowPooling<Pooling3DOptions, 3, PoolingAlgorithm::average>;
template class GlobalPooling<GlobalPooling1DOptions, 1, PoolingAlgorithm::max>;
template class GlobalPooling<GlobalPooling1DOptions, 1, PoolingAlgorithm::average>;
template class GlobalPooling<GlobalPooling2DOptions, 2, PoolingAlgorithm::max>;
template class GlobalPooling<GlobalPooling2DOptions, 2, PoolingAlgorithm::average>;
template class GlobalPooling<GlobalPooling3DOptions, 3, PoolingAlgorithm::max>;
template class GlobalPooling<GlobalPooling3DOptions, 3, PoolingAlgorithm::average>;

namespace {
const bool registered = register_layer_class<MaxPooling1D>("MaxPooling1D") &&
                        register_layer_class<AveragePooling1D>("AveragePooling1D") &&
                        register_layer_class<MaxPooling2D>("MaxPooling2D") &&
                        register_layer_class<AveragePooling2D>("AveragePooling2D") &&
                        register_layer_class<MaxPooling3D>("MaxPooling3D") &&
                        register_layer_class<AveragePooling3D>("AveragePooling3D") &&
                        register_layer_class<GlobalMaxPooling1D>("GlobalMaxPooling1D") &&
                        register_layer_class<GlobalAveragePooling1D>("GlobalAveragePooling1D") &&
                        register_layer_class<GlobalMaxPooling2D>("GlobalMaxPooling2D") &&
                        register_layer_class<GlobalAveragePooling2D>("GlobalAveragePooling2D") &&
                        register_layer_class<GlobalMaxPooling3D>("GlobalMaxPooling3D") &&
                        register_layer_class<GlobalAveragePooling3D>("GlobalAveragePooling3D");
}  // namespace

}  // namespace keel::layers
