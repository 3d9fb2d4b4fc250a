#include "keel/layers/upsampling.h"

#include "keel/autograd/resize_ops.h"
#include "keel/layers/factory.h"

namespace keel::layers {

template <class O, int Rank>
UpSamplingND<O, Rank>::UpSamplingND(std::string class_name, const O& o)
    : WithOptions<O, SpatialLayer>(o, std::move(class_name), base_options(o), Rank) {
  auto& o_ = this->o_;
  this->accept_options(o_);
  this->set_ordering_from(o_);
  if constexpr (Rank == 1) {
    factors_ = {o_.length};
  } else {
    factors_ = o_.size.vec();
  }
}

template <class O, int Rank>
Shape UpSamplingND<O, Rank>::compute_output_shape(const Shape& in) const {
  this->check_image_input(in, Rank, this->dim_ordering());
  Shape out = in;
  for (int i = 0; i < Rank; ++i) {
    const std::int64_t length = in[this->first_spatial() + i];
    if (length != Shape::kUnknown)
      out = out.with_dim(this->first_spatial() + i, length * factors_[static_cast<std::size_t>(i)]);
  }
  return out;
}

template <class O, int Rank>
Variable UpSamplingND<O, Rank>::call(const Variable& x) {
  return upsample_nearest(x, this->data_axes(), factors_);
}

template class UpSamplingND<UpSampling1DOptions, 1>;
template class UpSamplingND<UpSampling2DOptions, 2>;
template class UpSamplingND<UpSampling3DOptions, 3>;

namespace {
const bool registered = register_layer_class<UpSampling1D>("UpSampling1D") &&
                        register_layer_class<UpSampling2D>("UpSampling2D") &&
                        register_layer_class<UpSampling3D>("UpSampling3D");
}  // namespace

}  // namespace keel::layers
