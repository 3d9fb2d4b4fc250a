#include "keel/layers/convolution.h"

#include "keel/core/error.h"
#include "keel/layers/config_reader.h"
#include "keel/layers/factory.h"

namespace keel::layers {

namespace {

// The 1D layers also take input_dim / input_length (sugar for input_shape).
template <typename O>
BaseOptions base_of_1d(const O& o) {
  BaseOptions b = base_options(o);
  if (b.input_shape.rank() == 0 && o.input_dim > 0)
    b.input_shape = Shape{o.input_length > 0 ? o.input_length : Shape::kUnknown, o.input_dim};
  return b;
}

template <typename O>
ConvParams common_params(const O& o, int rank) {
  ConvParams p;
  p.rank = rank;
  p.init = o.init;
  p.activation = o.activation;
  p.border_mode = o.border_mode;
  p.W_regularizer = o.W_regularizer;
  p.b_regularizer = o.b_regularizer;
  p.W_constraint = o.W_constraint;
  p.b_constraint = o.b_constraint;
  p.bias = o.bias;
  p.rates.assign(static_cast<std::size_t>(rank), 1);
  return p;
}

std::vector<std::int64_t> vec(const auto& a) { return {a.begin(), a.end()}; }

template <typename O>
void read_common(ConfigReader& r, O& o) {
  o.init = r.get_string("init", "glorot_uniform");
  o.activation = r.get_string("activation", "linear");
  o.border_mode = r.get_string("border_mode", "valid");
  o.activity_regularizer = r.get_regularizer("activity_regularizer");
  o.b_regularizer = r.get_regularizer("b_regularizer");
  o.b_constraint = r.get_constraint("b_constraint");
  o.bias = r.get_bool("bias", true);
  if constexpr (requires { o.W_regularizer; }) {
    o.W_regularizer = r.get_regularizer("W_regularizer");
    o.W_constraint = r.get_constraint("W_constraint");
  }
  r.read_base_into(o);
}

template <std::size_t N>
std::array<std::int64_t, N> arr(const std::vector<std::int64_t>& v) {
  std::array<std::int64_t, N> a{};
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

}  // namespace

// --- Convolution1D / AtrousConvolution1D -----------------------------------------------------

Convolution1D::Convolution1D(std::int64_t nb_filter, std::int64_t filter_length,
                             const Convolution1DOptions& o)
    : ConvBase("Convolution1D",
               [&] {
                 ConvParams p = common_params(o, 1);
                 p.nb_filter = nb_filter;
                 p.kernel = {filter_length};
                 p.kernel_names = {"filter_length"};
                 p.strides = {o.subsample_length};
                 p.strides_name = "subsample_length";
                 p.channels_last_only = true;
                 return p;
               }(),
               base_of_1d(o), o.weights, o.activity_regularizer) {}

Config Convolution1D::layer_config() const {
  Config c = common_config();
  c["nb_filter"] = params().nb_filter;
  c["filter_length"] = params().kernel[0];
  c["subsample_length"] = params().strides[0];
  return c;
}

AtrousConvolution1D::AtrousConvolution1D(std::int64_t nb_filter, std::int64_t filter_length,
                                         const AtrousConvolution1DOptions& o)
    : ConvBase("AtrousConvolution1D",
               [&] {
                 ConvParams p = common_params(o, 1);
                 p.nb_filter = nb_filter;
                 p.kernel = {filter_length};
                 p.kernel_names = {"filter_length"};
                 p.strides = {o.subsample_length};
                 p.strides_name = "subsample_length";
                 p.rates = {o.atrous_rate};
                 p.channels_last_only = true;
                 return p;
               }(),
               base_of_1d(o), o.weights, o.activity_regularizer) {}

Config AtrousConvolution1D::layer_config() const {
  Config c = common_config();
  c["nb_filter"] = params().nb_filter;
  c["filter_length"] = params().kernel[0];
  c["subsample_length"] = params().strides[0];
  c["atrous_rate"] = params().rates[0];
  return c;
}

// --- Convolution2D / AtrousConvolution2D / Deconvolution2D / SeparableConvolution2D ---------

Convolution2D::Convolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                             const Convolution2DOptions& o)
    : ConvBase("Convolution2D",
               [&] {
                 ConvParams p = common_params(o, 2);
                 p.nb_filter = nb_filter;
                 p.kernel = {nb_row, nb_col};
                 p.kernel_names = {"nb_row", "nb_col"};
                 p.strides = vec(o.subsample);
                 p.dim_ordering = o.dim_ordering;
                 return p;
               }(),
               base_options(o), o.weights, o.activity_regularizer) {}

Config Convolution2D::layer_config() const {
  Config c = common_config();
  c["nb_filter"] = params().nb_filter;
  c["nb_row"] = params().kernel[0];
  c["nb_col"] = params().kernel[1];
  c["subsample"] = params().strides;
  return c;
}

AtrousConvolution2D::AtrousConvolution2D(std::int64_t nb_filter, std::int64_t nb_row,
                                         std::int64_t nb_col, const AtrousConvolution2DOptions& o)
    : ConvBase("AtrousConvolution2D",
               [&] {
                 ConvParams p = common_params(o, 2);
                 p.nb_filter = nb_filter;
                 p.kernel = {nb_row, nb_col};
                 p.kernel_names = {"nb_row", "nb_col"};
                 p.strides = vec(o.subsample);
                 p.rates = vec(o.atrous_rate);
                 p.dim_ordering = o.dim_ordering;
                 return p;
               }(),
               base_options(o), o.weights, o.activity_regularizer) {}

Config AtrousConvolution2D::layer_config() const {
  Config c = common_config();
  c["nb_filter"] = params().nb_filter;
  c["nb_row"] = params().kernel[0];
  c["nb_col"] = params().kernel[1];
  c["subsample"] = params().strides;
  c["atrous_rate"] = params().rates;
  return c;
}

Deconvolution2D::Deconvolution2D(std::int64_t nb_filter, std::int64_t nb_row, std::int64_t nb_col,
                                 const Deconvolution2DOptions& o)
    : ConvBase("Deconvolution2D",
               [&] {
                 ConvParams p = common_params(o, 2);
                 p.nb_filter = nb_filter;
                 p.kernel = {nb_row, nb_col};
                 p.kernel_names = {"nb_row", "nb_col"};
                 p.strides = vec(o.subsample);
                 p.dim_ordering = o.dim_ordering;
                 p.allowed_border_modes = {BorderMode::valid, BorderMode::same};
                 p.transposed = true;
                 p.output_shape = o.output_shape;
                 return p;
               }(),
               base_options(o), o.weights, o.activity_regularizer) {}

Config Deconvolution2D::layer_config() const {
  Config c = common_config();
  c["nb_filter"] = params().nb_filter;
  c["nb_row"] = params().kernel[0];
  c["nb_col"] = params().kernel[1];
  c["subsample"] = params().strides;
  c["output_shape"] =
      params().output_shape.rank() > 0 ? shape_to_config(params().output_shape) : Config(nullptr);
  return c;
}

SeparableConvolution2D::SeparableConvolution2D(std::int64_t nb_filter, std::int64_t nb_row,
                                               std::int64_t nb_col,
                                               const SeparableConvolution2DOptions& o)
    : ConvBase("SeparableConvolution2D",
               [&] {
                 ConvParams p;
                 p.rank = 2;
                 p.nb_filter = nb_filter;
                 p.kernel = {nb_row, nb_col};
                 p.kernel_names = {"nb_row", "nb_col"};
                 p.strides = vec(o.subsample);
                 p.rates = {1, 1};
                 p.border_mode = o.border_mode;
                 p.allowed_border_modes = {BorderMode::valid, BorderMode::same};
                 p.dim_ordering = o.dim_ordering;
                 p.init = o.init;
                 p.activation = o.activation;
                 p.bias = o.bias;
                 p.separable = true;
                 p.depth_multiplier = o.depth_multiplier;
                 p.W_regularizer = o.depthwise_regularizer;
                 p.W_constraint = o.depthwise_constraint;
                 p.pointwise_regularizer = o.pointwise_regularizer;
                 p.pointwise_constraint = o.pointwise_constraint;
                 p.b_regularizer = o.b_regularizer;
                 p.b_constraint = o.b_constraint;
                 return p;
               }(),
               base_options(o), o.weights, o.activity_regularizer) {}

Config SeparableConvolution2D::layer_config() const {
  Config c = common_config();
  c["nb_filter"] = params().nb_filter;
  c["nb_row"] = params().kernel[0];
  c["nb_col"] = params().kernel[1];
  c["subsample"] = params().strides;
  c["depth_multiplier"] = params().depth_multiplier;
  return c;
}

// --- Convolution3D ---------------------------------------------------------------------------

Convolution3D::Convolution3D(std::int64_t nb_filter, std::int64_t kernel_dim1,
                             std::int64_t kernel_dim2, std::int64_t kernel_dim3,
                             const Convolution3DOptions& o)
    : ConvBase("Convolution3D",
               [&] {
                 ConvParams p = common_params(o, 3);
                 p.nb_filter = nb_filter;
                 p.kernel = {kernel_dim1, kernel_dim2, kernel_dim3};
                 p.kernel_names = {"kernel_dim1", "kernel_dim2", "kernel_dim3"};
                 p.strides = vec(o.subsample);
                 p.dim_ordering = o.dim_ordering;
                 return p;
               }(),
               base_options(o), o.weights, o.activity_regularizer) {}

Config Convolution3D::layer_config() const {
  Config c = common_config();
  c["nb_filter"] = params().nb_filter;
  c["kernel_dim1"] = params().kernel[0];
  c["kernel_dim2"] = params().kernel[1];
  c["kernel_dim3"] = params().kernel[2];
  c["subsample"] = params().strides;
  return c;
}

// --- from_config -----------------------------------------------------------------------------

namespace {

std::string who(const char* cls) { return std::string(cls) + ": "; }

const bool registered_conv1d = register_layer(
    "Convolution1D",
    [](const Config& config) {
      ConfigReader r(config, who("Convolution1D"));
      Convolution1DOptions o;
      read_common(r, o);
      o.subsample_length = r.get_int("subsample_length", 1);
      o.input_dim = r.get_int("input_dim", 0);
      o.input_length = r.get_int("input_length", 0);
      const auto nb_filter = r.get_int("nb_filter", 0), k = r.get_int("filter_length", 0);
      r.finish();
      return std::make_shared<Convolution1D>(nb_filter, k, o);
    },
    {"Conv1D"});

const bool registered_atrous1d = register_layer(
    "AtrousConvolution1D",
    [](const Config& config) {
      ConfigReader r(config, who("AtrousConvolution1D"));
      AtrousConvolution1DOptions o;
      read_common(r, o);
      o.subsample_length = r.get_int("subsample_length", 1);
      o.atrous_rate = r.get_int("atrous_rate", 1);
      o.input_dim = r.get_int("input_dim", 0);
      o.input_length = r.get_int("input_length", 0);
      const auto nb_filter = r.get_int("nb_filter", 0), k = r.get_int("filter_length", 0);
      r.finish();
      return std::make_shared<AtrousConvolution1D>(nb_filter, k, o);
    },
    {"AtrousConv1D"});

const bool registered_conv2d = register_layer(
    "Convolution2D",
    [](const Config& config) {
      ConfigReader r(config, who("Convolution2D"));
      Convolution2DOptions o;
      read_common(r, o);
      o.subsample = arr<2>(r.get_ints("subsample", 2, {1, 1}));
      const auto f = r.get_int("nb_filter", 0), kr = r.get_int("nb_row", 0), kc = r.get_int("nb_col", 0);
      r.finish();
      return std::make_shared<Convolution2D>(f, kr, kc, o);
    },
    {"Conv2D"});

const bool registered_atrous2d = register_layer(
    "AtrousConvolution2D",
    [](const Config& config) {
      ConfigReader r(config, who("AtrousConvolution2D"));
      AtrousConvolution2DOptions o;
      read_common(r, o);
      o.subsample = arr<2>(r.get_ints("subsample", 2, {1, 1}));
      o.atrous_rate = arr<2>(r.get_ints("atrous_rate", 2, {1, 1}, /*int_ok=*/true));
      const auto f = r.get_int("nb_filter", 0), kr = r.get_int("nb_row", 0), kc = r.get_int("nb_col", 0);
      r.finish();
      return std::make_shared<AtrousConvolution2D>(f, kr, kc, o);
    },
    {"AtrousConv2D"});

const bool registered_deconv2d = register_layer(
    "Deconvolution2D",
    [](const Config& config) {
      ConfigReader r(config, who("Deconvolution2D"));
      Deconvolution2DOptions o;
      read_common(r, o);
      o.subsample = arr<2>(r.get_ints("subsample", 2, {1, 1}));
      o.output_shape = r.get_shape("output_shape");
      const auto f = r.get_int("nb_filter", 0), kr = r.get_int("nb_row", 0), kc = r.get_int("nb_col", 0);
      r.finish();
      return std::make_shared<Deconvolution2D>(f, kr, kc, o);
    },
    {"Deconv2D"});

const bool registered_separable2d = register_layer(
    "SeparableConvolution2D",
    [](const Config& config) {
      ConfigReader r(config, who("SeparableConvolution2D"));
      SeparableConvolution2DOptions o;
      read_common(r, o);
      o.subsample = arr<2>(r.get_ints("subsample", 2, {1, 1}));
      o.depth_multiplier = r.get_int("depth_multiplier", 1);
      o.depthwise_regularizer = r.get_regularizer("depthwise_regularizer");
      o.pointwise_regularizer = r.get_regularizer("pointwise_regularizer");
      o.depthwise_constraint = r.get_constraint("depthwise_constraint");
      o.pointwise_constraint = r.get_constraint("pointwise_constraint");
      const auto f = r.get_int("nb_filter", 0), kr = r.get_int("nb_row", 0), kc = r.get_int("nb_col", 0);
      r.finish();
      return std::make_shared<SeparableConvolution2D>(f, kr, kc, o);
    },
    {"SeparableConv2D"});

const bool registered_conv3d = register_layer(
    "Convolution3D",
    [](const Config& config) {
      ConfigReader r(config, who("Convolution3D"));
      Convolution3DOptions o;
      read_common(r, o);
      o.subsample = arr<3>(r.get_ints("subsample", 3, {1, 1, 1}));
      const auto f = r.get_int("nb_filter", 0), k1 = r.get_int("kernel_dim1", 0),
                 k2 = r.get_int("kernel_dim2", 0), k3 = r.get_int("kernel_dim3", 0);
      r.finish();
      return std::make_shared<Convolution3D>(f, k1, k2, k3, o);
    },
    {"Conv3D"});

}  // namespace

}  // namespace keel::layers
