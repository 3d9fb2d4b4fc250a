#include "keel/layers/cropping.h"

#include "keel/autograd/resize_ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/layers/factory.h"

namespace keel::layers {

template <class O, int Rank, MarginKind Kind>
CroppingND<O, Rank, Kind>::CroppingND(std::string class_name, const O& o)
    : WithOptions<O, SpatialLayer>(o, std::move(class_name), base_options(o), Rank) {
  auto& o_ = this->o_;
  this->accept_options(o_);
  this->set_ordering_from(o_);
  m_ = resolve_margins(o_.cropping, Kind, nullptr);  // valid: accept_options checked it
}

template <class O, int Rank, MarginKind Kind>
std::vector<CropPair> CroppingND<O, Rank, Kind>::cropping() const {
  std::vector<CropPair> out;
  for (std::size_t i = 0; i < m_.before.size(); ++i) out.push_back({m_.before[i], m_.after[i]});
  return out;
}

template <class O, int Rank, MarginKind Kind>
Shape CroppingND<O, Rank, Kind>::compute_output_shape(const Shape& in) const {
  this->check_image_input(in, Rank, this->dim_ordering());
  static const char* const kNames[3][3] = {
      {"steps", "", ""}, {"rows", "cols", ""}, {"dim1", "dim2", "dim3"}};
  Shape out = in;
  for (int i = 0; i < Rank; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const int axis = this->first_spatial() + i;
    const std::int64_t length = in[axis];
    if (length == Shape::kUnknown) continue;  // None stays None
    const std::int64_t kept = length - m_.before[u] - m_.after[u];
    if (kept <= 0)
      throw ShapeError(fmt::str(this->who(), "cropping ", fmt::tuple({m_.before[u], m_.after[u]}),
                                " of axis ", axis, " (", kNames[Rank - 1][i], ") of length ",
                                length, " leaves ", kept,
                                " elements, expected at least 1 (input shape ", in, ")"));
    out = out.with_dim(axis, kept);
  }
  return out;
}

template <class O, int Rank, MarginKind Kind>
Variable CroppingND<O, Rank, Kind>::call(const Variable& x) {
  return crop(x, this->data_axes(), m_.before, m_.after);
}

template class CroppingND<Cropping1DOptions, 1, MarginKind::crop1d>;
template class CroppingND<Cropping2DOptions, 2, MarginKind::crop2d>;
template class CroppingND<Cropping3DOptions, 3, MarginKind::crop3d>;

namespace {
const bool registered = register_layer_class<Cropping1D>("Cropping1D") &&
                        register_layer_class<Cropping2D>("Cropping2D") &&
                        register_layer_class<Cropping3D>("Cropping3D");
}  // namespace

}  // namespace keel::layers
