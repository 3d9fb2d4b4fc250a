// Every registry keel has — layers, optimizers, regularizers, constraints — round-trips its
// Keras configs: from_config(get_config()) gives back the same config. One parameterised test
// per registry over every registered name, so that a new class without a row here fails.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <map>
#include <set>
#include <string>

#include "test_util.h"

namespace keel {
namespace {

// A config with non-default values for every registered layer class (aliases included).
const std::map<std::string, Config>& layer_samples() {
  static const std::map<std::string, Config> s = [] {
    std::map<std::string, Config> m;
    const Config reg = {{"name", "L1L2Regularizer"}, {"l1", 0.25}, {"l2", 0.5}};
    const Config con = {{"name", "MaxNorm"}, {"m", 3.0}, {"axis", Config::array({0, 1})}};
    auto conv = [&](Config c) {
      c["init"] = "he_normal";
      c["activation"] = "relu";
      c["b_regularizer"] = reg;
      c["bias"] = true;
      c["name"] = "sample";
      c["trainable"] = false;
      return c;
    };
    m["Convolution1D"] = conv({{"nb_filter", 4},
                               {"filter_length", 3},
                               {"border_mode", "same"},
                               {"subsample_length", 2},
                               {"W_constraint", con},
                               {"input_dim", 5}});
    m["AtrousConvolution1D"] =
        conv({{"nb_filter", 4}, {"filter_length", 3}, {"atrous_rate", 2}, {"W_regularizer", reg}});
    m["Convolution2D"] = conv({{"nb_filter", 8},
                               {"nb_row", 3},
                               {"nb_col", 2},
                               {"subsample", {2, 1}},
                               {"dim_ordering", "th"},
                               {"border_mode", "full"},
                               {"groups", 2},
                               {"batch_input_shape", {nullptr, 4, 9, 9}}});
    m["AtrousConvolution2D"] = conv({{"nb_filter", 8},
                                     {"nb_row", 3},
                                     {"nb_col", 3},
                                     {"atrous_rate", {2, 3}},
                                     {"dim_ordering", "tf"}});
    m["Convolution3D"] = conv({{"nb_filter", 2},
                               {"kernel_dim1", 1},
                               {"kernel_dim2", 2},
                               {"kernel_dim3", 3},
                               {"subsample", {1, 2, 1}},
                               {"dim_ordering", "tf"}});
    m["Deconvolution2D"] = conv({{"nb_filter", 3},
                                 {"nb_row", 3},
                                 {"nb_col", 3},
                                 {"output_shape", {nullptr, 25, 25, 3}},
                                 {"subsample", {2, 2}},
                                 {"dim_ordering", "tf"}});
    m["SeparableConvolution2D"] = conv({{"nb_filter", 6},
                                        {"nb_row", 3},
                                        {"nb_col", 3},
                                        {"depth_multiplier", 2},
                                        {"pointwise_regularizer", reg},
                                        {"depthwise_constraint", con},
                                        {"dim_ordering", "th"}});
    m["Dense"] = {{"output_dim", 7}, {"init", "uniform"},    {"activation", "tanh"},
                  {"bias", false},   {"W_regularizer", reg}, {"input_dim", 3}};
    m["Dropout"] = {{"p", 0.25}, {"noise_shape", {nullptr, 1, 4}}, {"seed", 9}};
    m["Flatten"] = {{"name", "flat"}};
    m["Activation"] = {{"activation", "softsign"}};
    m["Reshape"] = {{"target_shape", {2, -1}}};
    m["Permute"] = {{"dims", {2, 1}}};
    m["BatchNormalization"] = {
        {"epsilon", 0.01}, {"mode", 2}, {"axis", 1}, {"momentum", 0.9}, {"gamma_regularizer", reg}};
    m["Merge"] = {{"mode", "concat"}, {"concat_axis", 1}, {"name", "m"}};
    m["MaxPooling1D"] = {{"pool_length", 3}, {"stride", 1}, {"border_mode", "same"}};
    m["AveragePooling1D"] = {{"pool_length", 2}};
    m["MaxPooling2D"] = {{"pool_size", {3, 2}}, {"strides", {1, 1}}, {"dim_ordering", "th"}};
    m["AveragePooling2D"] = {
        {"pool_size", {2, 2}}, {"border_mode", "same"}, {"dim_ordering", "tf"}};
    m["MaxPooling3D"] = {{"pool_size", {2, 2, 1}}, {"dim_ordering", "tf"}};
    m["AveragePooling3D"] = {
        {"pool_size", {1, 2, 2}}, {"strides", {1, 1, 1}}, {"dim_ordering", "th"}};
    for (const char* g : {"GlobalMaxPooling1D", "GlobalAveragePooling1D"}) m[g] = {{"name", "g"}};
    for (const char* g : {"GlobalMaxPooling2D", "GlobalAveragePooling2D", "GlobalMaxPooling3D",
                          "GlobalAveragePooling3D"})
      m[g] = {{"dim_ordering", "th"}};
    m["ZeroPadding1D"] = {{"padding", {{"left_pad", 1}, {"right_pad", 2}}}};
    m["ZeroPadding2D"] = {{"padding", {1, 0, 2, 0}}, {"dim_ordering", "th"}};
    m["ZeroPadding3D"] = {{"padding", {1, 2, 3}}, {"dim_ordering", "tf"}};
    m["Cropping1D"] = {{"cropping", {2, 0}}};
    m["Cropping2D"] = {{"cropping", {{1, 2}, {0, 3}}}, {"dim_ordering", "tf"}};
    m["Cropping3D"] = {{"cropping", {{1, 0}, {0, 1}, {2, 2}}}, {"dim_ordering", "th"}};
    m["UpSampling1D"] = {{"length", 3}};
    m["UpSampling2D"] = {{"size", {2, 3}}, {"dim_ordering", "th"}};
    m["UpSampling3D"] = {{"size", {1, 2, 3}}, {"dim_ordering", "tf"}};
    // Aliases take the same configs.
    for (auto [alias, cls] :
         std::map<std::string, std::string>{{"Conv1D", "Convolution1D"},
                                            {"AtrousConv1D", "AtrousConvolution1D"},
                                            {"Conv2D", "Convolution2D"},
                                            {"AtrousConv2D", "AtrousConvolution2D"},
                                            {"Conv3D", "Convolution3D"},
                                            {"Deconv2D", "Deconvolution2D"},
                                            {"SeparableConv2D", "SeparableConvolution2D"}})
      m[alias] = m[cls];
    return m;
  }();
  return s;
}

class LayerRegistry : public ::testing::TestWithParam<std::string> {};

TEST(LayerRegistryCoverage, EveryRegisteredClassHasASample) {
  for (const std::string& name : layers::registered_layer_names())
    EXPECT_TRUE(layer_samples().count(name)) << "no sample config for layer class " << name;
}

TEST_P(LayerRegistry, GetConfigOfFromConfigRoundTrips) {
  const std::string cls = GetParam();
  const Config& sample = layer_samples().at(cls);
  const auto first = layers::layer_from_config(cls, sample);
  const Config written = first->get_config();
  // Every key the sample gave is written back with its value (the dimension ordering and the
  // regularizers as given; input_dim also through batch_input_shape).
  for (const auto& [key, value] : sample.items()) {
    if (key == "input_dim" || key == "batch_input_shape") continue;
    EXPECT_EQ(written.at(key), value) << cls << " key " << key;
  }
  const auto second = layers::layer_from_config(cls, written);
  EXPECT_EQ(second->get_config(), written) << cls;
  EXPECT_EQ(second->class_name(), first->class_name());
}

INSTANTIATE_TEST_SUITE_P(EveryLayer, LayerRegistry,
                         ::testing::ValuesIn(layers::registered_layer_names()),
                         [](const auto& info) { return info.param; });

class OptimizerRegistry : public ::testing::TestWithParam<std::string> {};

TEST_P(OptimizerRegistry, GetConfigOfFromConfigRoundTrips) {
  const std::string cls = GetParam();
  const auto defaults = optimizers::from_config(cls, Config());
  Config changed = defaults->get_config();
  for (auto& [key, value] : changed.items()) {
    if (value.is_number_float()) value = value.get<double>() * 0.5;
  }
  changed["clipnorm"] = 1.5;
  changed["clipvalue"] = 0.25;
  if (changed.contains("nesterov")) changed["nesterov"] = true;
  const auto first = optimizers::from_config(cls, changed);
  const Config written = first->get_config();
  for (const auto& [key, value] : changed.items()) {
    if (value.is_number()) {
      EXPECT_NEAR(written.at(key).get<double>(), value.get<double>(), 1e-7) << cls << " " << key;
    } else {
      EXPECT_EQ(written.at(key), value) << cls << " " << key;
    }
  }
  EXPECT_EQ(optimizers::from_config(cls, written)->get_config(), written);
  EXPECT_EQ(optimizers::get(cls)->get_config(), defaults->get_config());
}

INSTANTIATE_TEST_SUITE_P(EveryOptimizer, OptimizerRegistry,
                         ::testing::ValuesIn(optimizers::registered_optimizer_names()),
                         [](const auto& info) { return info.param; });

class RegularizerRegistry : public ::testing::TestWithParam<std::string> {};

TEST_P(RegularizerRegistry, GetConfigOfFromConfigRoundTrips) {
  const auto r = regularizers::regularizer_from_config(GetParam());
  const Config written = r.get_config();
  EXPECT_EQ(regularizers::regularizer_from_config(written), r);
  EXPECT_EQ(regularizers::regularizer_from_config(written).get_config(), written);
}

INSTANTIATE_TEST_SUITE_P(EveryRegularizer, RegularizerRegistry,
                         ::testing::ValuesIn(regularizers::registered_regularizer_names()),
                         [](const auto& info) { return info.param; });

class ConstraintRegistry : public ::testing::TestWithParam<std::string> {};

TEST_P(ConstraintRegistry, GetConfigOfFromConfigRoundTrips) {
  const auto c = constraints::constraint_from_config(GetParam());
  const Config written = c.get_config();
  EXPECT_EQ(constraints::constraint_from_config(written), c);
  EXPECT_EQ(constraints::constraint_from_config(written).get_config(), written);
}

INSTANTIATE_TEST_SUITE_P(EveryConstraint, ConstraintRegistry,
                         ::testing::ValuesIn(constraints::registered_constraint_names()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace keel
