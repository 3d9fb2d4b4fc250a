// Invalid layer, model and optimizer configurations, one row each: the exact keel::Error
// subclass, and a message that names the argument, the value given and what was expected.
#include <gtest/gtest.h>
#include <keel/keel.h>

#include <functional>
#include <string>
#include <typeinfo>
#include <vector>

namespace keel {
namespace {

enum class Kind { layer, optimizer, model, build };

struct Row {
  Kind kind;
  std::string cls;     // layer or optimizer class (unused for models)
  std::string config;  // JSON
  const std::type_info& error;
  std::string argument, value, expected;
  std::vector<std::int64_t> input;  // Kind::build: the input shape (-1 = None)
};

std::vector<Row> rows() {
  using K = Kind;
  const std::type_info& V = typeid(ValueError);
  const std::type_info& S = typeid(ShapeError);
  return {
      // --- layers: values outside their rules
      {K::layer, "Convolution2D", R"({"nb_filter": 0, "nb_row": 3, "nb_col": 3})", V, "nb_filter",
       "is 0", "expected > 0"},
      {K::layer, "Convolution2D", R"({"nb_filter": 4, "nb_row": -3, "nb_col": 3})", V, "nb_row",
       "is -3", "expected > 0"},
      {K::layer, "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "border_mode": "sane"})", V, "border_mode",
       "'sane'", "one of valid, same, full"},
      {K::layer, "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "subsample": [1, 0]})", V, "subsample",
       "[1, 0]", "every entry > 0"},
      {K::layer, "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "subsample": [1, 1, 1]})", V, "subsample",
       "[1, 1, 1]", "a list of 2 integers"},
      {K::layer, "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "dim_ordering": "nchw"})", V, "dim_ordering",
       "'nchw'", "one of default, tf, th"},
      {K::layer, "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "activation": "rleu"})", V, "activation",
       "'rleu'", "one of linear, relu"},
      {K::layer, "Convolution2D", R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "init": "glorot"})",
       V, "init", "glorot", "glorot_uniform"},
      {K::layer, "Convolution2D", R"({"nb_filter": 6, "nb_row": 3, "nb_col": 3, "groups": 4})", V,
       "nb_filter", "6", "a multiple of groups"},
      {K::layer, "Convolution2D", R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "bias": "yes"})", V,
       "bias", "'yes'", "true or false"},
      {K::layer, "Convolution2D", R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "border": "same"})",
       V, "'border'", "border", "expected one of nb_filter"},
      {K::layer, "Convolution2D", R"({"nb_row": 3, "nb_col": 3})", V, "nb_filter", "is missing",
       "an integer"},
      {K::layer, "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "W_regularizer": {"name": "L1L2Regularizer", "l1": -1}})",
       V, "W_regularizer", "-1", "a finite number >= 0"},
      {K::layer, "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "W_constraint": {"name": "MaxNorm", "m": 0}})",
       V, "W_constraint", "m is 0", "expected > 0"},
      {K::layer, "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "input_dtype": "float64"})", V, "input_dtype",
       "'float64'", "one of float32"},
      {K::layer, "Convolution1D", R"({"nb_filter": 4, "filter_length": 3, "subsample_length": 0})",
       V, "subsample_length", "is 0", "expected > 0"},
      {K::layer, "AtrousConvolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "atrous_rate": [0, 2]})", V, "atrous_rate",
       "[0, 2]", "every entry > 0"},
      {K::layer, "Deconvolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "border_mode": "full"})", V, "border_mode",
       "'full'", "one of valid, same"},
      {K::layer, "Deconvolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "dim_ordering": "tf", "output_shape": [null, 9, 9, 5]})",
       V, "output_shape", "(None, 9, 9, 5)", "nb_filter = 4"},
      {K::layer, "SeparableConvolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "depth_multiplier": 0})", V,
       "depth_multiplier", "is 0", "expected > 0"},
      {K::layer, "Convolution3D",
       R"({"nb_filter": 4, "kernel_dim1": 3, "kernel_dim2": 3, "kernel_dim3": 3, "subsample": [1, 1]})",
       V, "subsample", "[1, 1]", "a list of 3 integers"},
      {K::layer, "Dense", R"({"output_dim": -2})", V, "output_dim", "is -2", "expected > 0"},
      {K::layer, "Dense", R"({"output_dim": 3, "input_dim": 0})", V, "input_dim", "is 0",
       "expected > 0"},
      {K::layer, "Dropout", R"({"p": 1.0})", V, "p", "is 1", "a number in [0, 1)"},
      {K::layer, "Dropout", R"({"p": "half"})", V, "p", "'half'", "a number"},
      {K::layer, "BatchNormalization", R"({"mode": 3})", V, "mode", "is 3", "0 (feature-wise)"},
      {K::layer, "BatchNormalization", R"({"epsilon": 0})", V, "epsilon", "is 0", "expected > 0"},
      {K::layer, "BatchNormalization", R"({"momentum": 1.5})", V, "momentum", "is 1.5",
       "a number in [0, 1]"},
      {K::layer, "MaxPooling2D", R"({"pool_size": [2, 0]})", V, "pool_size", "[2, 0]",
       "every entry > 0"},
      {K::layer, "MaxPooling2D", R"({"strides": [1]})", V, "strides", "[1]", "None or 2 strides"},
      {K::layer, "AveragePooling1D", R"({"border_mode": "full"})", V, "border_mode", "'full'",
       "one of valid, same"},
      {K::layer, "ZeroPadding2D", R"({"padding": [1, 2, 3]})", V, "padding", "[1, 2, 3]",
       "(top_pad, bottom_pad, left_pad, right_pad)"},
      {K::layer, "ZeroPadding1D", R"({"padding": {"left_pad": 1, "top_pad": 2}})", V, "padding",
       "'top_pad': 2", "left_pad, right_pad"},
      {K::layer, "Cropping2D", R"({"cropping": [[1, -1], [0, 0]]})", V, "cropping",
       "[[1, -1], [0, 0]]", "every entry >= 0"},
      {K::layer, "UpSampling3D", R"({"size": [2, 2]})", V, "size", "[2, 2]",
       "a list of 3 integers"},
      {K::layer, "Reshape", R"({"target_shape": [2, -1, -1]})", V, "target_shape", "(2, -1, -1)",
       "at most one"},
      {K::layer, "Permute", R"({"dims": [1, 3]})", V, "dims", "(1, 3)", "a permutation of 1..2"},
      {K::layer, "Activation", R"({"activation": "swish"})", V, "activation", "'swish'",
       "one of linear"},
      {K::layer, "Merge", R"({"mode": "dot"})", V, "mode", "'dot'",
       "one of sum, mul, ave, max, concat"},
      {K::layer, "Merge", R"({"mode": "sum", "output_shape": [3]})", V, "output_shape", "[3]",
       "null"},
      {K::layer, "Convolution4D", R"({})", V, "class", "'Convolution4D'", "known classes"},
      // --- layers: inputs that do not fit (at build)
      {K::build,
       "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "dim_ordering": "tf"})",
       S,
       "input",
       "(None, 28, 28)",
       "rank 4 (batch, rows, cols, channels)",
       {-1, 28, 28}},
      {K::build,
       "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 5, "nb_col": 5, "dim_ordering": "tf"})",
       S,
       "spatial axis 0",
       "length 3",
       "kernel of extent 5",
       {-1, 3, 9, 1}},
      {K::build,
       "Convolution2D",
       R"({"nb_filter": 4, "nb_row": 3, "nb_col": 3, "dim_ordering": "tf", "groups": 2})",
       S,
       "channels",
       "(None, 8, 8, 3)",
       "groups 2",
       {-1, 8, 8, 3}},
      {K::build,
       "Cropping1D",
       R"({"cropping": [3, 3]})",
       S,
       "cropping (3, 3)",
       "length 5",
       "at least 1",
       {-1, 5, 2}},
      {K::build, "Dense", R"({"output_dim": 3})", S, "input", "(None,)", "rank >= 2", {-1}},
      // --- optimizers
      {K::optimizer, "Adam", R"({"beta_1": 1.0})", V, "beta_1", "is 1", "a number in [0, 1)"},
      {K::optimizer, "SGD", R"({"momentum": -0.5})", V, "momentum", "is -0.5",
       "a number in [0, 1)"},
      {K::optimizer, "SGD", R"({"lr": "fast"})", V, "lr", "'fast'", "a number"},
      {K::optimizer, "RMSprop", R"({"rho": 2})", V, "rho", "is 2", "a number in [0, 1)"},
      {K::optimizer, "Adagrad", R"({"epsilon": -1e-8})", V, "epsilon", "-1e-08",
       "a finite number >= 0"},
      {K::optimizer, "Nadam", R"({"decay": 0.1})", V, "'decay'", "decay",
       "expected one of lr, beta_1"},
      {K::optimizer, "Adamax", R"({"clipnorm": -1})", V, "clipnorm", "is -1",
       "a finite number >= 0"},
      {K::optimizer, "Adadelta", R"({"lr": null, "rho": [0.9]})", V, "rho", "[0.9]", "a number"},
      {K::optimizer, "Adamw", R"({})", V, "optimizer", "'Adamw'", "is not one of sgd"},
      // --- models
      {K::model, "",
       R"({"class_name": "Sequential", "config": [{"class_name": "Dense", "config": {"output_dim": 0}}]})",
       V, "output_dim", "is 0", "expected > 0"},
      {K::model, "",
       R"({"class_name": "Model", "config": {"name": "m", "layers": [{"name": "in", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "sparse": true, "name": "in"}, "inbound_nodes": []}], "input_layers": [["in", 0, 0]], "output_layers": [["in", 0, 0]]}})",
       V, "sparse", "True", "false (keel has no sparse inputs)"},
  };
}

std::vector<std::int64_t> to_dims(const std::vector<std::int64_t>& v) { return v; }

TEST(InvalidConfigs, EveryRowRaisesItsErrorNamingArgumentValueAndExpectation) {
  const std::vector<Row> table = rows();
  EXPECT_GE(table.size(), 40u);
  for (const Row& r : table) {
    const Config config = Config::parse(r.config);
    std::function<void()> run;
    switch (r.kind) {
      case Kind::layer:
        run = [&] { (void)layers::layer_from_config(r.cls, config); };
        break;
      case Kind::build:
        run = [&] { layers::layer_from_config(r.cls, config)->build(Shape(to_dims(r.input))); };
        break;
      case Kind::optimizer:
        run = [&] { (void)optimizers::from_config(r.cls, config); };
        break;
      case Kind::model:
        run = [&] { (void)model_from_config(config); };
        break;
    }
    const std::string where = r.cls + " " + r.config;
    try {
      run();
      ADD_FAILURE() << where << ": did not throw";
    } catch (const Error& e) {
      const std::string m = e.what();
      EXPECT_EQ(typeid(e), r.error) << where << ": threw " << typeid(e).name() << ": " << m;
      for (const std::string& part : {r.argument, r.value, r.expected})
        EXPECT_NE(m.find(part), std::string::npos)
            << where << "\n  message: " << m << "\n  does not contain: " << part;
    } catch (const std::exception& e) {
      ADD_FAILURE() << where << ": threw a non-keel exception: " << e.what();
    }
  }
}

}  // namespace
}  // namespace keel
