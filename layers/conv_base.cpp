#include "keel/layers/conv_base.h"

#include <numeric>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel::layers {

void ConvBase::configure(ConvSetup setup, std::vector<Tensor> weights,
                         std::optional<L1L2Regularizer> activity_regularizer) {
  setup_ = std::move(setup);
  if (setup_.nb_filter % setup_.groups != 0)
    throw ValueError(fmt::str(who(), "nb_filter ", setup_.nb_filter,
                              " does not divide into groups ", setup_.groups,
                              ", expected a multiple of groups"));
  fused_ = fusable_activation(setup_.activation);
  set_initial_weights(std::move(weights));
  set_activity_regularizer(std::move(activity_regularizer));
}

int ConvBase::channel_axis(int input_rank) const {
  return setup_.ordering == DimOrdering::tf ? input_rank - 1 : 1;
}

std::vector<int> ConvBase::data_axes() const {
  return image_data_axes(setup_.rank, setup_.ordering == DimOrdering::tf);
}

std::int64_t ConvBase::output_length(int axis, std::int64_t length, const Shape& in) const {
  const auto i = static_cast<std::size_t>(axis);
  const std::int64_t k = setup_.kernel[i], s = setup_.strides[i], d = setup_.rates[i];
  const std::int64_t o = conv_output_length(length, k, setup_.border, s, d);
  if (length != Shape::kUnknown && o <= 0)
    throw ShapeError(fmt::str(who(), "a ", fmt::quoted(to_string(setup_.border)),
                              " kernel of extent ", effective_kernel(k, d),
                              " does not fit spatial axis ", axis, " of length ", length,
                              " (input shape ", in, ")"));
  return o;
}

Shape ConvBase::compute_output_shape(const Shape& in) const {
  const int rank = setup_.rank + 2;
  check_image_input(in, setup_.rank, setup_.ordering);
  const int ch = channel_axis(rank);
  if (in[ch] == Shape::kUnknown)
    throw ShapeError(
        fmt::str(who(), "the channel dimension of input shape ", in, " must be known"));
  if (built() && in[ch] != in_channels_)
    throw ShapeError(fmt::str(who(), "input of shape ", in, " has ", in[ch],
                              " channels, but the layer was built for ", in_channels_));
  if (in[ch] % setup_.groups != 0)
    throw ShapeError(fmt::str(who(), "input of shape ", in, " has ", in[ch],
                              " channels, which do not divide into groups ", setup_.groups));
  const int first_spatial = setup_.ordering == DimOrdering::tf ? 1 : 2;
  Shape out = in.with_dim(ch, setup_.nb_filter);
  for (int i = 0; i < setup_.rank; ++i)
    out = out.with_dim(first_spatial + i, output_length(i, in[first_spatial + i], in));
  return out;
}

void ConvBase::build_weights(const Shape& in) {
  in_channels_ = in[channel_axis(in.rank())];
  build_kernels(in_channels_);
  const auto f = static_cast<double>(setup_.nb_filter);
  if (setup_.bias)
    b_ = add_weight("b", Shape{setup_.nb_filter}, "zero", {f, f}, setup_.b_regularizer,
                    setup_.b_constraint);
}

void ConvBase::build_kernels(std::int64_t c) {
  const std::int64_t cg = c / setup_.groups, f = setup_.nb_filter;
  const std::vector<std::int64_t>& k = setup_.kernel;
  const std::int64_t receptive =
      std::accumulate(k.begin(), k.end(), std::int64_t{1}, std::multiplies<>());
  std::vector<std::int64_t> w;
  if (setup_.rank == 1) {
    w = {k[0], 1, cg, f};  // Keras 1 keeps the 1D kernel as a width-1 2D kernel
  } else if (setup_.ordering == DimOrdering::tf) {
    w = k;
    w.push_back(cg);
    w.push_back(f);
  } else {
    w = {f, cg};
    w.insert(w.end(), k.begin(), k.end());
  }
  // The fans of the kernel's shape, over every spatial axis (Keras 1.2.2 got Conv1D and tf
  // Conv3D wrong); for groups, those of the (..., C/G, F) kernel.
  W_ = add_weight("W", Shape(w), setup_.init, initializers::conv_fans(cg, f, receptive),
                  setup_.W_regularizer, setup_.W_constraint);
}

std::vector<int> ConvBase::kernel_axes() const {
  // oneDNN kernel dims {[G,] OC, IC, spatial...} as axes of the Keras kernel.
  const int r = setup_.rank;
  std::vector<int> axes;
  if (r == 1) {
    axes = {3, 2, 0};  // (k, 1, C, F)
  } else if (setup_.ordering == DimOrdering::tf) {
    axes = {r + 1, r};
    for (int i = 0; i < r; ++i) axes.push_back(i);
  } else {
    axes.resize(static_cast<std::size_t>(r + 2));
    std::iota(axes.begin(), axes.end(), 0);
  }
  // Groups: the output-channel axis splits into {G, F/G}.
  if (setup_.groups > 1) axes.insert(axes.begin(), axes.front());
  return axes;
}

ConvSpec ConvBase::spec_for(const Shape& in, const Shape& /*out*/) const {
  const int first_spatial = setup_.ordering == DimOrdering::tf ? 1 : 2;
  ConvSpec spec;
  spec.data_axes = data_axes();
  spec.weight_axes = kernel_axes();
  spec.groups = setup_.groups;
  spec.algorithm = setup_.algorithm;
  for (int i = 0; i < setup_.rank; ++i) {
    const auto u = static_cast<std::size_t>(i);
    const Padding pad = conv_padding(in[first_spatial + i], setup_.kernel[u], setup_.border,
                                     setup_.strides[u], setup_.rates[u]);
    spec.strides.push_back(setup_.strides[u]);
    spec.dilations.push_back(setup_.rates[u]);
    spec.padding_l.push_back(pad.before);
    spec.padding_r.push_back(pad.after);
  }
  spec.activation = fused_;
  return spec;
}

Variable ConvBase::apply_activation(const Variable& y) const {
  return fused_ == FusedActivation::none ? activation(setup_.activation, y) : y;
}

Variable ConvBase::run(const Variable& x, Variable& kernel, const Variable& bias,
                       const ConvSpec& spec) {
  keep_in_compute_layout(kernel, [&] {
    return convolution_weights_layout(x.shape(), kernel.shape(), bias.defined(), spec,
                                      /*training=*/true);
  });
  return convolution(x, kernel, bias, spec);
}

Variable ConvBase::call(const Variable& x) {
  const ConvSpec spec = spec_for(x.shape(), compute_output_shape(x.shape()));
  return apply_activation(run(x, W_, b_, spec));
}

}  // namespace keel::layers
