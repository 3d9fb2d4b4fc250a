#include "keel/layers/conv_base.h"

#include <numeric>

#include "keel/autograd/ops.h"
#include "keel/core/error.h"
#include "keel/layers/config_reader.h"

namespace keel::layers {

ConvBase::ConvBase(std::string class_name, ConvParams params, const BaseOptions& base,
                   std::vector<Tensor> weights, std::optional<L1L2Regularizer> activity_regularizer)
    : Layer(std::move(class_name), base), p_(std::move(params)) {
  if (p_.nb_filter <= 0)
    throw ValueError(who() + "nb_filter is " + std::to_string(p_.nb_filter) + ", expected > 0");
  for (std::size_t i = 0; i < p_.kernel.size(); ++i)
    if (p_.kernel[i] <= 0)
      throw ValueError(who() + p_.kernel_names[i] + " is " + std::to_string(p_.kernel[i]) +
                       ", expected > 0");
  for (auto s : p_.strides)
    if (s <= 0)
      throw ValueError(who() + p_.strides_name + " is " + sizes_str(p_.strides) +
                       ", expected every stride > 0");
  for (auto r : p_.rates)
    if (r <= 0)
      throw ValueError(who() + "atrous_rate is " + sizes_str(p_.rates) +
                       ", expected every rate > 0");
  if (p_.separable && p_.depth_multiplier <= 0)
    throw ValueError(who() + "depth_multiplier is " + std::to_string(p_.depth_multiplier) +
                     ", expected > 0");
  border_ = parse_border_mode(p_.border_mode, p_.allowed_border_modes, who());
  check_activation_name(p_.activation, who());
  if (p_.channels_last_only) {
    ordering_ = DimOrdering::tf;
  } else {
    ordering_ = parse_dim_ordering(p_.dim_ordering, label());
  }
  if (p_.transposed && p_.output_shape.rank() > 0) {
    if (p_.output_shape.rank() != p_.rank + 2)
      throw ValueError(who() + "output_shape " + p_.output_shape.str() + " must have " +
                       std::to_string(p_.rank + 2) + " entries, batch first");
    const std::int64_t ch = p_.output_shape[ordering_ == DimOrdering::tf ? p_.rank + 1 : 1];
    if (ch != p_.nb_filter && ch != Shape::kUnknown)
      throw ValueError(who() + "output_shape " + p_.output_shape.str() + " has " +
                       std::to_string(ch) +
                       " channels, expected nb_filter = " + std::to_string(p_.nb_filter));
  }
  fused_ = fusable_activation(p_.activation);
  set_initial_weights(std::move(weights));
  set_activity_regularizer(activity_regularizer);
}

int ConvBase::channel_axis(int input_rank) const {
  return ordering_ == DimOrdering::tf ? input_rank - 1 : 1;
}

Shape ConvBase::compute_output_shape(const Shape& in) const {
  const int rank = p_.rank + 2;
  if (in.rank() != rank) {
    const char* layout = p_.rank == 1 ? "(batch, steps, channels)"
                         : ordering_ == DimOrdering::tf
                             ? (p_.rank == 2 ? "(batch, rows, cols, channels)"
                                             : "(batch, dim1, dim2, dim3, channels)")
                             : (p_.rank == 2 ? "(batch, channels, rows, cols)"
                                             : "(batch, channels, dim1, dim2, dim3)");
    throw ShapeError(who() + "expected an input of rank " + std::to_string(rank) + " " + layout +
                     ", got shape " + in.str());
  }
  const int ch = channel_axis(rank);
  const int first_spatial = ordering_ == DimOrdering::tf ? 1 : 2;
  if (in[ch] == Shape::kUnknown)
    throw ShapeError(who() + "the channel dimension of input shape " + in.str() + " must be known");
  if (built() && in[ch] != in_channels_)
    throw ShapeError(who() + "input of shape " + in.str() + " has " + std::to_string(in[ch]) +
                     " channels, but the layer was built for " + std::to_string(in_channels_));

  Shape out = in.with_dim(ch, p_.nb_filter);
  for (int i = 0; i < p_.rank; ++i) {
    const std::int64_t length = in[first_spatial + i];
    const std::int64_t k = p_.kernel[i], s = p_.strides[i], d = p_.rates[i];
    std::int64_t o;
    if (p_.transposed) {
      o = p_.output_shape.rank() > 0 ? p_.output_shape[first_spatial + i]
                                     : deconv_default_output(length, k, border_, s);
      if (length != Shape::kUnknown && o != Shape::kUnknown) {
        const LengthRange r = deconv_output_range(length, k, border_, s);
        if (o < r.lo || o > r.hi) {
          std::string sizes;
          for (std::int64_t v = r.lo; v <= r.hi; ++v)
            sizes += (sizes.empty() ? "" : ", ") + std::to_string(v);
          throw ValueError(who() + "output_shape " + p_.output_shape.str() +
                           " is impossible for input " + in.str() + ": spatial axis " +
                           std::to_string(i) + " of length " + std::to_string(length) +
                           " with kernel " + std::to_string(k) + ", stride " + std::to_string(s) +
                           " and border_mode '" + std::string(to_string(border_)) +
                           "' can only give " + sizes);
        }
      }
    } else {
      o = conv_output_length(length, k, border_, s, d);
      if (length != Shape::kUnknown && o <= 0)
        throw ShapeError(who() + "a '" + std::string(to_string(border_)) + "' kernel of extent " +
                         std::to_string(effective_kernel(k, d)) + " does not fit spatial axis " +
                         std::to_string(i) + " of length " + std::to_string(length) +
                         " (input shape " + in.str() + ")");
    }
    out = out.with_dim(first_spatial + i, o);
  }
  return out;
}

void ConvBase::build_weights(const Shape& in) {
  const std::int64_t c = in[channel_axis(in.rank())];
  const std::int64_t f = p_.nb_filter;
  const bool tf = ordering_ == DimOrdering::tf;
  const std::int64_t receptive =
      std::accumulate(p_.kernel.begin(), p_.kernel.end(), std::int64_t{1}, std::multiplies<>());
  std::vector<std::int64_t> k = p_.kernel;
  if (p_.separable) {
    const std::int64_t dm = p_.depth_multiplier;
    const Shape dw = tf ? Shape{k[0], k[1], c, dm} : Shape{dm, c, k[0], k[1]};
    const Shape pw = tf ? Shape{1, 1, c * dm, f} : Shape{f, c * dm, 1, 1};
    depthwise_ =
        add_weight("depthwise_kernel", dw, p_.init, initializers::conv_fans(c, dm, receptive),
                   p_.W_regularizer, p_.W_constraint);
    pointwise_ = add_weight("pointwise_kernel", pw, p_.init, initializers::conv_fans(c * dm, f, 1),
                            p_.pointwise_regularizer, p_.pointwise_constraint);
  } else {
    std::vector<std::int64_t> w;
    if (p_.rank == 1) {
      w = {k[0], 1, c, f};  // Keras 1 keeps the 1D kernel as a width-1 2D kernel
    } else if (tf) {
      w = k;
      w.push_back(c);
      w.push_back(f);
    } else {
      w = {f, c};
      w.insert(w.end(), k.begin(), k.end());
    }
    // keel's fans use every spatial kernel axis (Keras 1.2.2 got Conv1D and tf Conv3D wrong).
    W_ = add_weight("W", Shape(w), p_.init, initializers::conv_fans(c, f, receptive),
                    p_.W_regularizer, p_.W_constraint);
  }
  if (p_.bias)
    b_ = add_weight("b", Shape{f}, "zero", {static_cast<double>(f), static_cast<double>(f)},
                    p_.b_regularizer, p_.b_constraint);
  in_channels_ = c;
}

ConvSpec ConvBase::spec_for(const Shape& in, const Shape& out) const {
  const bool tf = ordering_ == DimOrdering::tf;
  const int rank = p_.rank + 2;
  const int first_spatial = tf ? 1 : 2;
  ConvSpec spec;
  spec.transposed = p_.transposed;
  spec.data_axes.push_back(0);
  spec.data_axes.push_back(tf ? rank - 1 : 1);
  for (int i = 0; i < p_.rank; ++i) spec.data_axes.push_back(first_spatial + i);
  for (int i = 0; i < p_.rank; ++i) {
    const std::int64_t length = in[first_spatial + i], k = p_.kernel[i], s = p_.strides[i];
    Padding pad;
    if (p_.transposed) {
      pad = deconv_padding(length, out[first_spatial + i], k, border_, s);
      spec.output_spatial.push_back(out[first_spatial + i]);
    } else {
      pad = conv_padding(length, k, border_, s, p_.rates[i]);
    }
    spec.strides.push_back(s);
    spec.dilations.push_back(p_.rates[i]);
    spec.padding_l.push_back(pad.before);
    spec.padding_r.push_back(pad.after);
  }
  // oneDNN kernel dims {OC, IC, spatial...} as axes of the Keras kernel.
  if (p_.rank == 1) {
    spec.weight_axes = {3, 2, 0};  // (k, 1, C, F)
  } else if (tf) {
    spec.weight_axes = {p_.rank + 1, p_.rank};
    for (int i = 0; i < p_.rank; ++i) spec.weight_axes.push_back(i);
  } else {
    spec.weight_axes.resize(static_cast<std::size_t>(p_.rank + 2));
    std::iota(spec.weight_axes.begin(), spec.weight_axes.end(), 0);
  }
  spec.activation = fused_;
  return spec;
}

Variable ConvBase::apply_activation(const Variable& y) const {
  return fused_ == FusedActivation::none ? activation(p_.activation, y) : y;
}

Variable ConvBase::call(const Variable& x) {
  const Shape out = compute_output_shape(x.shape());
  ConvSpec spec = spec_for(x.shape(), out);
  auto conv = [](const Variable& in, Variable& w, const Variable& b, const ConvSpec& s) {
    keep_in_compute_layout(w, [&] {
      return convolution_weights_layout(in.shape(), w.shape(), b.defined(), s, /*training=*/true);
    });
    return convolution(in, w, b, s);
  };
  if (!p_.separable) return apply_activation(conv(x, W_, b_, spec));

  // Depthwise step: one group per input channel, depth_multiplier outputs each (grouped
  // kernel {C, dm, 1, rows, cols}), no bias, no activation.
  const bool tf = ordering_ == DimOrdering::tf;
  ConvSpec depthwise = spec;
  depthwise.groups = in_channels_;
  depthwise.weight_axes = tf ? std::vector<int>{2, 3, -1, 0, 1} : std::vector<int>{1, 0, -1, 2, 3};
  depthwise.activation = FusedActivation::none;
  const Variable mid = conv(x, depthwise_, Variable(), depthwise);
  // Pointwise step: 1x1, stride 1, with the bias and the activation.
  ConvSpec pointwise = spec;
  pointwise.strides = {1, 1};
  pointwise.dilations = {1, 1};
  pointwise.padding_l = {0, 0};
  pointwise.padding_r = {0, 0};
  pointwise.weight_axes = tf ? std::vector<int>{3, 2, 0, 1} : std::vector<int>{0, 1, 2, 3};
  return apply_activation(conv(mid, pointwise_, b_, pointwise));
}

Config ConvBase::common_config() const {
  Config c;
  c["init"] = p_.init.name();
  c["activation"] = p_.activation.empty() ? "linear" : p_.activation;
  c["border_mode"] = std::string(to_string(border_));
  if (!p_.channels_last_only) c["dim_ordering"] = std::string(keel::to_string(ordering_));
  c["activity_regularizer"] = optional_config(activity_regularizer());
  c["b_regularizer"] = optional_config(p_.b_regularizer);
  c["b_constraint"] = optional_config(p_.b_constraint);
  c["bias"] = p_.bias;
  if (p_.separable) {
    c["depthwise_regularizer"] = optional_config(p_.W_regularizer);
    c["pointwise_regularizer"] = optional_config(p_.pointwise_regularizer);
    c["depthwise_constraint"] = optional_config(p_.W_constraint);
    c["pointwise_constraint"] = optional_config(p_.pointwise_constraint);
  } else {
    c["W_regularizer"] = optional_config(p_.W_regularizer);
    c["W_constraint"] = optional_config(p_.W_constraint);
  }
  return c;
}

}  // namespace keel::layers
