// Keras 1 HDF5 files: the weights of model.save_weights and the whole model of model.save.
//
//   auto model = keel::model_from_json_file("vgg16.json");
//   model->load_weights_h5("vgg16_weights_tf_dim_ordering_tf_kernels.h5");
//   auto trained = keel::load_model_h5("model.h5");   // architecture, weights, compile
//
// The format (Keras 1.2.2, keras/engine/topology.py save_weights_to_hdf5_group):
//   /                     attribute layer_names: every layer's name, in the model's order
//                         (later writers add attributes backend and keras_version)
//   /<layer>              attribute weight_names: the layer's weights in Keras order (trainable,
//                         then non-trainable), each the name of a dataset of this group; empty
//                         for a layer without weights. TensorFlow-written names end in ":0"
//                         ("dense_1_W:0"), Theano-written ones do not ("dense_1_W").
//   /<layer>/<weight>     the weight, in Keras layout (as get_weights()).
// A model.save file holds the same under the group model_weights, and root attributes
// model_config (the to_json() text), training_config (the compile arguments as JSON) and
// keras_version; Keras 1 also stores optimizer_weights, which keel does not read (a model
// loaded from it starts a fresh optimizer: the Keras 1 slot layout is not keel's).
//
// Kernels: Theano computes a true convolution, so a Theano-trained kernel is stored flipped
// relative to TensorFlow's (and keel's) cross-correlation. When the file says backend 'theano',
// or the caller says so, the spatial axes of each convolution layer's first weight (W, or the
// depthwise kernel of SeparableConvolution2D) are reversed on loading, as Keras's
// convert_kernel does. BatchNormalization's running_std is loaded as it is: in Keras 1 files it
// holds the variance, as it does in keel.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "keel/core/tensor.h"
#include "keel/models/model.h"

namespace keel {

// A whole Keras 1 model.save file: the model from model_config, its weights from model_weights
// and, when training_config is present, compiled with its optimizer (class and config), loss
// and metrics. IOError / ValueError naming the path.
std::shared_ptr<Model> load_model_h5(const std::string& path, const H5LoadOptions& options = {});

// What a Keras weights file holds, before it is matched to a model (the fuzz target reads
// files through this).
struct KerasWeightFile {
  struct Layer {
    std::string name;
    std::vector<std::string> weight_names;  // as stored ("dense_1_W:0")
    std::vector<Tensor> values;
  };
  std::vector<Layer> layers;  // in the file's layer_names order, those without weights included
  std::string backend;        // "" when the file has no backend attribute
  std::string keras_version;  // "" when absent
};
// Reads the weights group of an open file image (`bytes`: a whole .h5 file; `name` for
// messages): the root, or model_weights when the root has no layer_names.
KerasWeightFile read_keras_weight_file_image(const std::string& bytes, const std::string& name);

}  // namespace keel
