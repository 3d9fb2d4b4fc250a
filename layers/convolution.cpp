#include "keel/layers/convolution.h"

#include <utility>

#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/layers/factory.h"

namespace keel::layers {

namespace {

BorderMode border_of(const std::string& mode) {
  return parse_border_mode(mode, {BorderMode::valid, BorderMode::same, BorderMode::full}, "");
}

// What every convolution layer's options give the setup the same way.
template <class O>
ConvSetup common_setup(const O& o, int rank, DimOrdering ordering) {
  ConvSetup s;
  s.rank = rank;
  s.nb_filter = o.nb_filter;
  s.border = border_of(o.border_mode);
  s.ordering = ordering;
  s.init = o.init;
  s.activation = o.activation;
  s.bias = o.bias;
  s.b_regularizer = o.b_regularizer;
  s.b_constraint = o.b_constraint;
  if constexpr (requires { o.W_regularizer; }) {
    s.W_regularizer = o.W_regularizer;
    s.W_constraint = o.W_constraint;
  }
  if constexpr (requires { o.groups; }) s.groups = o.groups;
  if constexpr (requires { o.algorithm; })
    s.algorithm = o.algorithm == "winograd" ? ConvAlgorithm::winograd
                  : o.algorithm == "auto"   ? ConvAlgorithm::automatic
                                            : ConvAlgorithm::direct;
  s.rates.assign(static_cast<std::size_t>(rank), 1);
  return s;
}

DimOrdering ordering_of(const std::string& resolved) {
  return resolved == "th" ? DimOrdering::th : DimOrdering::tf;
}

// The 1D layers also take input_dim / input_length (sugar for input_shape).
template <typename O>
BaseOptions base_of_1d(const O& o) {
  BaseOptions b = base_options(o);
  if (b.input_shape.rank() == 0 && o.input_dim)
    b.input_shape = Shape{o.input_length.value_or(Shape::kUnknown), *o.input_dim};
  return b;
}

}  // namespace

// --- the plain convolutions ------------------------------------------------------------------

Convolution1D::Convolution1D(std::int64_t nb_filter, std::int64_t filter_length, Options o)
    : Convolution1D(with_args(std::move(o), &Options::nb_filter, nb_filter, &Options::filter_length,
                              filter_length)) {}

Convolution1D::Convolution1D(const Options& o) : WithOptions(o, "Convolution1D", base_of_1d(o)) {
  accept_options(o_);
  ConvSetup s = common_setup(o_, 1, DimOrdering::tf);
  s.kernel = {o_.filter_length};
  s.strides = {o_.subsample_length};
  configure(std::move(s), std::exchange(o_.weights, {}), o_.activity_regularizer);
}

AtrousConvolution1D::AtrousConvolution1D(std::int64_t nb_filter, std::int64_t filter_length,
                                         Options o)
    : AtrousConvolution1D(with_args(std::move(o), &Options::nb_filter, nb_filter,
                                    &Options::filter_length, filter_length)) {}

AtrousConvolution1D::AtrousConvolution1D(const Options& o)
    : WithOptions(o, "AtrousConvolution1D", base_of_1d(o)) {
  accept_options(o_);
  ConvSetup s = common_setup(o_, 1, DimOrdering::tf);
  s.kernel = {o_.filter_length};
  s.strides = {o_.subsample_length};
  s.rates = {o_.atrous_rate};
  configure(std::move(s), std::exchange(o_.weights, {}), o_.activity_regularizer);
}

Convolution2D::Convolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                             Options o)
    : Convolution2D(with_args(std::move(o), &Options::nb_filter, nb_filter, &Options::nb_row,
                              nb_row, &Options::nb_col, nb_col)) {}

Convolution2D::Convolution2D(const Options& o) : WithOptions(o, "Convolution2D", base_options(o)) {
  accept_options(o_);
  ConvSetup s = common_setup(o_, 2, ordering_of(o_.dim_ordering));
  s.kernel = {o_.nb_row, o_.nb_col};
  s.strides = o_.subsample.vec();
  configure(std::move(s), std::exchange(o_.weights, {}), o_.activity_regularizer);
}

AtrousConvolution2D::AtrousConvolution2D(std::int64_t nb_filter, std::int64_t nb_row,
                                         std::int64_t nb_col, Options o)
    : AtrousConvolution2D(with_args(std::move(o), &Options::nb_filter, nb_filter, &Options::nb_row,
                                    nb_row, &Options::nb_col, nb_col)) {}

AtrousConvolution2D::AtrousConvolution2D(const Options& o)
    : WithOptions(o, "AtrousConvolution2D", base_options(o)) {
  accept_options(o_);
  ConvSetup s = common_setup(o_, 2, ordering_of(o_.dim_ordering));
  s.kernel = {o_.nb_row, o_.nb_col};
  s.strides = o_.subsample.vec();
  s.rates = o_.atrous_rate.vec();
  configure(std::move(s), std::exchange(o_.weights, {}), o_.activity_regularizer);
}

Convolution3D::Convolution3D(std::int64_t nb_filter, std::int64_t kernel_dim1,
                             std::int64_t kernel_dim2, std::int64_t kernel_dim3, Options o)
    : Convolution3D(with_args(std::move(o), &Options::nb_filter, nb_filter, &Options::kernel_dim1,
                              kernel_dim1, &Options::kernel_dim2, kernel_dim2,
                              &Options::kernel_dim3, kernel_dim3)) {}

Convolution3D::Convolution3D(const Options& o) : WithOptions(o, "Convolution3D", base_options(o)) {
  accept_options(o_);
  ConvSetup s = common_setup(o_, 3, ordering_of(o_.dim_ordering));
  s.kernel = {o_.kernel_dim1, o_.kernel_dim2, o_.kernel_dim3};
  s.strides = o_.subsample.vec();
  configure(std::move(s), std::exchange(o_.weights, {}), o_.activity_regularizer);
}

// --- Deconvolution2D ---------------------------------------------------------------------------

Deconvolution2D::Deconvolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                                 Options o)
    : Deconvolution2D(with_args(std::move(o), &Options::nb_filter, nb_filter, &Options::nb_row,
                                nb_row, &Options::nb_col, nb_col)) {}

Deconvolution2D::Deconvolution2D(const Options& o)
    : WithOptions(o, "Deconvolution2D", base_options(o)) {
  accept_options(o_);
  const DimOrdering ordering = ordering_of(o_.dim_ordering);
  if (o_.output_shape.rank() > 0) {
    if (o_.output_shape.rank() != 4)
      throw ValueError(
          fmt::str(who(), "output_shape ", o_.output_shape, " must have 4 entries, batch first"));
    const std::int64_t ch = o_.output_shape[ordering == DimOrdering::tf ? 3 : 1];
    if (ch != o_.nb_filter && ch != Shape::kUnknown)
      throw ValueError(fmt::str(who(), "output_shape ", o_.output_shape, " has ", ch,
                                " channels, expected nb_filter = ", o_.nb_filter));
  }
  ConvSetup s = common_setup(o_, 2, ordering);
  s.kernel = {o_.nb_row, o_.nb_col};
  s.strides = o_.subsample.vec();
  configure(std::move(s), std::exchange(o_.weights, {}), o_.activity_regularizer);
}

std::int64_t Deconvolution2D::output_length(int axis, std::int64_t length, const Shape& in) const {
  const auto i = static_cast<std::size_t>(axis);
  const std::int64_t k = setup().kernel[i], s = setup().strides[i];
  const int first_spatial = dim_ordering() == DimOrdering::tf ? 1 : 2;
  const std::int64_t o = o_.output_shape.rank() > 0
                             ? o_.output_shape[first_spatial + axis]
                             : deconv_default_output(length, k, border_mode(), s);
  if (length != Shape::kUnknown && o != Shape::kUnknown) {
    const LengthRange r = deconv_output_range(length, k, border_mode(), s);
    if (o < r.lo || o > r.hi) {
      std::vector<std::int64_t> legal;
      for (std::int64_t v = r.lo; v <= r.hi; ++v) legal.push_back(v);
      throw ValueError(fmt::str(who(), "output_shape ", o_.output_shape,
                                " is impossible for input ", in, ": spatial axis ", axis,
                                " of length ", length, " with kernel ", k, ", stride ", s,
                                " and border_mode ", fmt::quoted(to_string(border_mode())),
                                " can only give ", fmt::list(legal)));
    }
  }
  return o;
}

ConvSpec Deconvolution2D::spec_for(const Shape& in, const Shape& out) const {
  ConvSpec spec = ConvBase::spec_for(in, out);
  spec.transposed = true;
  const int first_spatial = dim_ordering() == DimOrdering::tf ? 1 : 2;
  for (int i = 0; i < 2; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const Padding pad = deconv_padding(in[first_spatial + i], out[first_spatial + i],
                                       setup().kernel[u], border_mode(), setup().strides[u]);
    spec.padding_l[u] = pad.before;
    spec.padding_r[u] = pad.after;
    spec.output_spatial.push_back(out[first_spatial + i]);
  }
  return spec;
}

// --- SeparableConvolution2D ----------------------------------------------------------------------

SeparableConvolution2D::SeparableConvolution2D(std::int64_t nb_filter, std::int64_t nb_row,
                                               std::int64_t nb_col, Options o)
    : SeparableConvolution2D(with_args(std::move(o), &Options::nb_filter, nb_filter,
                                       &Options::nb_row, nb_row, &Options::nb_col, nb_col)) {}

SeparableConvolution2D::SeparableConvolution2D(const Options& o)
    : WithOptions(o, "SeparableConvolution2D", base_options(o)) {
  accept_options(o_);
  ConvSetup s = common_setup(o_, 2, ordering_of(o_.dim_ordering));
  s.kernel = {o_.nb_row, o_.nb_col};
  s.strides = o_.subsample.vec();
  configure(std::move(s), std::exchange(o_.weights, {}), o_.activity_regularizer);
}

void SeparableConvolution2D::build_kernels(std::int64_t c) {
  const bool tf = dim_ordering() == DimOrdering::tf;
  const std::int64_t dm = o_.depth_multiplier, f = o_.nb_filter;
  const std::int64_t rows = o_.nb_row, cols = o_.nb_col;
  const Shape dw = tf ? Shape{rows, cols, c, dm} : Shape{dm, c, rows, cols};
  const Shape pw = tf ? Shape{1, 1, c * dm, f} : Shape{f, c * dm, 1, 1};
  depthwise_ =
      add_weight("depthwise_kernel", dw, o_.init, initializers::conv_fans(c, dm, rows * cols),
                 o_.depthwise_regularizer, o_.depthwise_constraint);
  pointwise_ = add_weight("pointwise_kernel", pw, o_.init, initializers::conv_fans(c * dm, f, 1),
                          o_.pointwise_regularizer, o_.pointwise_constraint);
}

Variable SeparableConvolution2D::call(const Variable& x) {
  const ConvSpec spec = spec_for(x.shape(), compute_output_shape(x.shape()));
  const bool tf = dim_ordering() == DimOrdering::tf;
  // Depthwise step: one group per input channel (C = 1 is one group), depth_multiplier outputs
  // each: the grouped kernel {C, dm, 1, rows, cols}, no bias, no activation.
  ConvSpec depthwise = spec;
  depthwise.groups = in_channels();
  depthwise.weight_axes = tf ? std::vector<int>{2, 3, -1, 0, 1} : std::vector<int>{1, 0, -1, 2, 3};
  depthwise.activation = FusedActivation::none;
  const Variable mid = run(x, depthwise_, Variable(), depthwise);
  // Pointwise step: 1x1, stride 1, with the bias and the activation.
  ConvSpec pointwise = spec;
  pointwise.strides = {1, 1};
  pointwise.dilations = {1, 1};
  pointwise.padding_l = {0, 0};
  pointwise.padding_r = {0, 0};
  pointwise.weight_axes = tf ? std::vector<int>{3, 2, 0, 1} : std::vector<int>{0, 1, 2, 3};
  return apply_activation(run(mid, pointwise_, bias(), pointwise));
}

// --- registration --------------------------------------------------------------------------------

namespace {
const bool registered =
    register_layer_class<Convolution1D>("Convolution1D", {"Conv1D"}) &&
    register_layer_class<AtrousConvolution1D>("AtrousConvolution1D", {"AtrousConv1D"}) &&
    register_layer_class<Convolution2D>("Convolution2D", {"Conv2D"}) &&
    register_layer_class<AtrousConvolution2D>("AtrousConvolution2D", {"AtrousConv2D"}) &&
    register_layer_class<Convolution3D>("Convolution3D", {"Conv3D"}) &&
    register_layer_class<Deconvolution2D>("Deconvolution2D", {"Deconv2D"}) &&
    register_layer_class<SeparableConvolution2D>("SeparableConvolution2D", {"SeparableConv2D"});
}  // namespace

}  // namespace keel::layers
