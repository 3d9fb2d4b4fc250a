#include "keel/layers/zero_padding.h"

#include "keel/autograd/resize_ops.h"
#include "keel/layers/factory.h"

namespace keel::layers {

template <class O, int Rank, MarginKind Kind>
ZeroPaddingND<O, Rank, Kind>::ZeroPaddingND(std::string class_name, const O& o)
    : WithOptions<O, SpatialLayer>(o, std::move(class_name), base_options(o), Rank) {
  auto& o_ = this->o_;
  this->accept_options(o_);
  this->set_ordering_from(o_);
  m_ = resolve_margins(o_.padding, Kind, nullptr);  // valid: accept_options checked it
}

template <class O, int Rank, MarginKind Kind>
Shape ZeroPaddingND<O, Rank, Kind>::compute_output_shape(const Shape& in) const {
  this->check_image_input(in, Rank, this->dim_ordering());
  Shape out = in;
  for (int i = 0; i < Rank; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const std::int64_t length = in[this->first_spatial() + i];
    if (length != Shape::kUnknown)
      out = out.with_dim(this->first_spatial() + i, length + m_.before[u] + m_.after[u]);
  }
  return out;
}

template <class O, int Rank, MarginKind Kind>
Variable ZeroPaddingND<O, Rank, Kind>::call(const Variable& x) {
  return zero_pad(x, this->data_axes(), m_.before, m_.after);
}

template class ZeroPaddingND<ZeroPadding1DOptions, 1, MarginKind::pad1d>;
template class ZeroPaddingND<ZeroPadding2DOptions, 2, MarginKind::pad2d>;
template class ZeroPaddingND<ZeroPadding3DOptions, 3, MarginKind::pad3d>;

namespace {
const bool registered = register_layer_class<ZeroPadding1D>("ZeroPadding1D") &&
                        register_layer_class<ZeroPadding2D>("ZeroPadding2D") &&
                        register_layer_class<ZeroPadding3D>("ZeroPadding3D");
}  // namespace

}  // namespace keel::layers
