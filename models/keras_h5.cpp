#include "keel/models/keras_h5.h"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "keel/core/atomic_file.h"
#include "keel/core/detail/hdf5.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/layers/layer.h"
#include "keel/optimizers/optimizer.h"

namespace keel {

namespace {

// The Keras 1 convolution classes whose first weight is a spatial kernel.
const std::set<std::string, std::less<>> kConvolutionClasses = {
    "Convolution1D", "AtrousConvolution1D", "Convolution2D",         "AtrousConvolution2D",
    "Convolution3D", "Deconvolution2D",     "SeparableConvolution2D"};

KerasWeightFile read_weight_group(const hdf5::File& file) {
  hdf5::Group root = file.root();
  KerasWeightFile out;
  out.backend = root.string_attribute("backend").value_or("");
  out.keras_version = root.string_attribute("keras_version").value_or("");
  if (!root.has_attribute("layer_names")) {
    if (!root.has_child("model_weights"))
      throw IOError(fmt::str(file.name(),
                             ": not a Keras weights file (no layer_names attribute and no "
                             "model_weights group)"));
    root = root.group("model_weights");
    if (out.backend.empty()) out.backend = root.string_attribute("backend").value_or("");
  }
  for (const std::string& layer_name : root.string_list_attribute("layer_names")) {
    const hdf5::Group g = root.group(layer_name);
    KerasWeightFile::Layer layer{layer_name, g.string_list_attribute("weight_names"), {}};
    for (const std::string& w : layer.weight_names) layer.values.push_back(g.read_tensor(w));
    out.layers.push_back(std::move(layer));
  }
  return out;
}

// x with the axes in `axes` reversed (x plain, row-major).
Tensor reverse_axes(const Tensor& x, const std::vector<int>& axes) {
  const Tensor in = x.to_plain();
  const Shape& s = in.shape();
  Tensor out = Tensor::empty(s);
  const int rank = s.rank();
  std::vector<std::int64_t> stride(static_cast<std::size_t>(rank), 1);
  for (int i = rank - 2; i >= 0; --i) stride[i] = stride[i + 1] * s[i + 1];
  std::vector<bool> flip(static_cast<std::size_t>(rank), false);
  for (int a : axes) flip[static_cast<std::size_t>(a)] = true;
  const float* src = in.data();
  float* dst = out.data();
  for (std::int64_t i = 0; i < in.numel(); ++i) {
    std::int64_t rest = i, j = 0;
    for (int a = 0; a < rank; ++a) {
      const std::int64_t c = rest / stride[a];
      rest %= stride[a];
      j += (flip[a] ? s[a] - 1 - c : c) * stride[a];
    }
    dst[j] = src[i];
  }
  return out;
}

// Keras's convert_kernel for the layer's first weight: the spatial axes are all but the first
// two (th) or all but the last two (tf; the 1D layers' (length, 1, C, F) kernels too).
Tensor theano_to_tensorflow_kernel(const layers::Layer& layer, const Tensor& kernel) {
  const Config config = layer.get_config();
  const bool th = config.contains("dim_ordering") && config.at("dim_ordering") == "th";
  std::vector<int> spatial;
  const int rank = kernel.shape().rank();
  for (int a = th ? 2 : 0; a < (th ? rank : rank - 2); ++a) spatial.push_back(a);
  return reverse_axes(kernel, spatial);
}

bool flips_kernels(const KerasWeightFile& file, const H5LoadOptions& o, const std::string& path) {
  if (o.kernels == "theano") return true;
  if (o.kernels == "tensorflow") return false;
  if (o.kernels != "auto")
    throw ValueError(fmt::str("load_weights_h5: kernels is '", o.kernels,
                              "', expected one of auto, theano, tensorflow"));
  if (file.backend.empty() || file.backend == "tensorflow") return false;
  if (file.backend == "theano") return true;
  throw IOError(fmt::str(path, ": backend attribute is '", file.backend,
                         "', expected theano or tensorflow (or pass kernels explicitly)"));
}

// The values of file layer `stored` converted for model layer `layer`, checked against its
// weights (count and shapes).
std::vector<Tensor> values_for(const layers::Layer& layer, const KerasWeightFile::Layer& stored,
                               bool flip, const std::string& path) {
  const std::vector<Variable> weights = layer.weights();
  const std::vector<std::string> names = layer.weight_names();
  const std::string which =
      stored.name == layer.name()
          ? fmt::str("layer '", layer.name(), "'")
          : fmt::str("layer '", layer.name(), "' (file layer '", stored.name, "')");
  if (stored.values.size() != weights.size())
    throw ValueError(fmt::str(path, ": ", which, " expects ", weights.size(), " weights (",
                              fmt::list(names), "), the file holds ", stored.values.size(), " (",
                              fmt::list(stored.weight_names), ")"));
  std::vector<Tensor> values = stored.values;
  if (flip && kConvolutionClasses.contains(layer.class_name()) && !values.empty())
    values[0] = theano_to_tensorflow_kernel(layer, values[0]);
  for (std::size_t i = 0; i < values.size(); ++i)
    if (!(values[i].shape() == weights[i].shape()))
      throw ValueError(fmt::str(path, ": ", which, " weight ", names[i], " ('",
                                stored.weight_names[i], "') has shape ", values[i].shape().str(),
                                " in the file, the model's is ", weights[i].shape().str(),
                                " (a file for the other dim_ordering, or another architecture?)"));
  return values;
}

Model::LoadReport load_weight_file(Model& model, const KerasWeightFile& file,
                                   const H5LoadOptions& o, const std::string& path) {
  const bool flip = flips_kernels(file, o, path);
  std::vector<const KerasWeightFile::Layer*> stored;
  for (const auto& l : file.layers)
    if (!l.weight_names.empty()) stored.push_back(&l);

  Model::LoadReport report;
  std::vector<std::pair<layers::Layer*, std::vector<Tensor>>> updates;
  if (!o.by_name) {
    std::vector<layers::Layer*> targets;
    for (const auto& l : model.layers())
      if (!l->weights().empty()) targets.push_back(l.get());
    if (targets.size() != stored.size()) {
      std::vector<std::string> file_names, model_names;
      for (const auto* l : stored) file_names.push_back(l->name);
      for (const auto* l : targets) model_names.push_back(l->name());
      throw ValueError(fmt::str(path, ": the file holds weights for ", stored.size(), " layers (",
                                fmt::list(file_names), "), model '", model.name(), "' has ",
                                targets.size(), " layers with weights (", fmt::list(model_names),
                                "); load_weights_h5(path, {.by_name = true}) matches by name"));
    }
    for (std::size_t k = 0; k < targets.size(); ++k)
      updates.emplace_back(targets[k], values_for(*targets[k], *stored[k], flip, path));
  } else {
    std::map<std::string, std::vector<layers::Layer*>> by_name;
    for (const auto& l : model.layers())
      if (!l->weights().empty()) by_name[l->name()].push_back(l.get());
    std::set<std::string> loaded;
    for (const auto* s : stored) {
      const auto it = by_name.find(s->name);
      if (it == by_name.end()) {
        report.unexpected.push_back(s->name);
        continue;
      }
      for (layers::Layer* l : it->second) updates.emplace_back(l, values_for(*l, *s, flip, path));
      loaded.insert(s->name);
    }
    for (const auto& l : model.layers())
      if (!l->weights().empty() && !loaded.contains(l->name())) report.missing.push_back(l->name());
  }
  for (auto& [layer, values] : updates) layer->set_weights(values);  // all checked above
  return report;
}

}  // namespace

KerasWeightFile read_keras_weight_file_image(const std::string& bytes, const std::string& name) {
  return read_weight_group(hdf5::File::open_image(bytes, name));
}

Model::LoadReport Model::load_weights_h5(const std::string& path, const H5LoadOptions& options) {
  const KerasWeightFile file = read_weight_group(hdf5::File::open(path));
  return load_weight_file(*this, file, options, path);
}

void Model::save_weights_h5(const std::string& path) const {
  hdf5::File file = hdf5::File::create_in_memory(path);
  hdf5::Group root = file.root();
  std::vector<std::string> layer_names;
  for (const auto& l : layers_) layer_names.push_back(l->name());
  root.set_string_list_attribute("layer_names", layer_names);
  root.set_string_attribute("backend", "tensorflow");
  root.set_string_attribute("keras_version", "1.2.2");
  for (const auto& l : layers_) {
    hdf5::Group g = root.create_group(l->name());
    std::vector<std::string> names;
    for (const std::string& w : l->weight_names()) names.push_back(l->name() + "_" + w + ":0");
    g.set_string_list_attribute("weight_names", names);
    const std::vector<Tensor> values = l->get_weights();
    for (std::size_t i = 0; i < values.size(); ++i) g.write_tensor(names[i], values[i]);
  }
  write_file_atomically(path, file.image());
}

std::shared_ptr<Model> load_model_h5(const std::string& path, const H5LoadOptions& options) {
  const hdf5::File file = hdf5::File::open(path);
  const hdf5::Group root = file.root();
  const std::optional<std::string> model_config = root.string_attribute("model_config");
  if (!model_config)
    throw IOError(fmt::str(path,
                           ": no model_config attribute: not a file of Keras's model.save "
                           "(a weights file loads with model.load_weights_h5)"));
  std::shared_ptr<Model> model;
  try {
    model = model_from_json(*model_config);
  } catch (const Error& e) {
    throw ValueError(fmt::str(path, ": model_config: ", e.what()));
  }
  load_weight_file(*model, read_weight_group(file), options, path);

  const std::optional<std::string> training = root.string_attribute("training_config");
  if (!training) return model;
  Config t;
  try {
    t = Config::parse(*training);
  } catch (const nlohmann::json::exception& e) {
    throw IOError(fmt::str(path, ": training_config is not valid JSON (", e.what(), ")"));
  }
  try {
    const Config& oc = t.at("optimizer_config");
    auto optimizer =
        optimizers::from_config(oc.at("class_name").get<std::string>(), oc.at("config"));
    std::vector<std::string> loss;
    const Config& l = t.at("loss");
    if (l.is_string())
      loss.push_back(l.get<std::string>());
    else if (l.is_array())
      loss = l.get<std::vector<std::string>>();
    else
      throw ValueError(fmt::str("loss is ", l.dump(), ", expected a name or a list of names"));
    std::vector<std::string> metrics;
    if (t.contains("metrics") && t.at("metrics").is_array())
      metrics = t.at("metrics").get<std::vector<std::string>>();
    model->compile(std::move(optimizer), std::move(loss), std::move(metrics));
  } catch (const nlohmann::json::exception& e) {
    throw ValueError(fmt::str(path, ": training_config is malformed (", e.what(), ")"));
  } catch (const Error& e) {
    throw ValueError(fmt::str(path, ": training_config: ", e.what()));
  }
  return model;
}

}  // namespace keel
