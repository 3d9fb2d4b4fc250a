// libFuzzer target for keel's model configs (models/model.h, model_from_json): any text must
// build a model or throw keel::Error — every layer's table, the graph connections, the
// regularizer and constraint configs. Absurd sizes meet the 64 MiB allocation limit as a
// ResourceError. Seeds: Sequential and functional models of the convolution family
// (model_json.dict holds the Keras keys and values).
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_seed.h"
#include "keel/autograd/tape.h"
#include "keel/core/error.h"
#include "keel/models/model.h"

void keel_write_seeds(const std::string& dir) {
  keel_write_seed_file(dir, "sequential.json", R"({"class_name": "Sequential", "config": [
    {"class_name": "Convolution2D", "config": {"name": "c1", "nb_filter": 4, "nb_row": 3, "nb_col": 3,
     "border_mode": "same", "subsample": [2, 2], "activation": "relu", "dim_ordering": "tf",
     "W_regularizer": {"name": "L1L2Regularizer", "l1": 0.0, "l2": 0.01},
     "W_constraint": {"name": "MaxNorm", "m": 2, "axis": [0, 1, 2]},
     "batch_input_shape": [null, 8, 8, 3], "input_dtype": "float32"}},
    {"class_name": "ZeroPadding2D", "config": {"padding": [1, 1]}},
    {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2], "strides": [1, 1]}},
    {"class_name": "BatchNormalization", "config": {"mode": 0, "axis": -1}},
    {"class_name": "Flatten", "config": {}},
    {"class_name": "Dropout", "config": {"p": 0.5}},
    {"class_name": "Dense", "config": {"output_dim": 3, "activation": "softmax"}}]})");
  keel_write_seed_file(dir, "graph.json", R"({"class_name": "Model", "config": {"name": "m",
    "layers": [
      {"name": "in", "class_name": "InputLayer", "config": {"batch_input_shape": [null, 3, 6, 6],
       "input_dtype": "float32", "sparse": false, "name": "in"}, "inbound_nodes": []},
      {"name": "a", "class_name": "SeparableConvolution2D", "config": {"nb_filter": 2, "nb_row": 3,
       "nb_col": 3, "depth_multiplier": 2, "dim_ordering": "th", "border_mode": "same"},
       "inbound_nodes": [[["in", 0, 0]]]},
      {"name": "b", "class_name": "AtrousConvolution2D", "config": {"nb_filter": 2, "nb_row": 3,
       "nb_col": 3, "atrous_rate": [2, 2], "dim_ordering": "th", "border_mode": "same"},
       "inbound_nodes": [[["in", 0, 0]]]},
      {"name": "m", "class_name": "Merge", "config": {"mode": "concat", "concat_axis": 1},
       "inbound_nodes": [[["a", 0, 0], ["b", 0, 0]]]},
      {"name": "u", "class_name": "UpSampling2D", "config": {"size": [2, 2], "dim_ordering": "th"},
       "inbound_nodes": [[["m", 0, 0]]]},
      {"name": "c", "class_name": "Cropping2D", "config": {"cropping": [[1, 1], [2, 0]],
       "dim_ordering": "th"}, "inbound_nodes": [[["u", 0, 0]]]}],
    "input_layers": [["in", 0, 0]], "output_layers": [["c", 0, 0]]}})");
  keel_write_seed_file(dir, "conv1d3d.json", R"({"class_name": "Sequential", "config": [
    {"class_name": "Convolution1D", "config": {"nb_filter": 2, "filter_length": 3, "input_dim": 4,
     "input_length": 9, "groups": 2}},
    {"class_name": "UpSampling1D", "config": {"length": 2}},
    {"class_name": "Reshape", "config": {"target_shape": [2, 2, 7, 1]}},
    {"class_name": "Convolution3D", "config": {"nb_filter": 1, "kernel_dim1": 1, "kernel_dim2": 2,
     "kernel_dim3": 1, "dim_ordering": "tf"}},
    {"class_name": "Deconvolution2D", "config": {"nb_filter": 1, "nb_row": 2, "nb_col": 2}}]})");
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    const keel::NoGrad no_grad;
    const auto model =
        keel::model_from_json(std::string(reinterpret_cast<const char*>(data), size));
    (void)model->get_config();
  } catch (const keel::Error&) {
  }
  return 0;
}
