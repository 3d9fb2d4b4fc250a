#include "keel/applications/applications.h"

#include <functional>
#include <map>

#include "keel/applications/detail/builder.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel::applications {

namespace detail {

Start start(const std::string& model, const ApplicationOptions& o, std::int64_t default_size,
            std::int64_t min_size, bool tf_only) {
  const std::string who = model + ": ";
  if (o.classes < 1) throw ValueError(fmt::str(who, "classes is ", o.classes, ", expected >= 1"));
  if (o.weights == "imagenet")
    throw ValueError(
        fmt::str(who,
                 "weights is 'imagenet', expected the path of the Keras weights file (keel "
                 "downloads nothing: fetch the .h5 file Keras 1.2.2 names for this model and pass "
                 "its path)"));
  const DimOrdering ordering = parse_dim_ordering(o.dim_ordering, who + "dim_ordering");
  if (tf_only && ordering != DimOrdering::tf)
    throw ValueError(fmt::str(who,
                              "dim_ordering is 'th', expected 'tf' (the model uses "
                              "SeparableConvolution2D as Keras 1.2.2 built it: tf only)"));
  const bool th = ordering == DimOrdering::th;
  Start s{{ordering, th ? "th" : "tf", th ? 1 : 3}, {}};

  const Shape default_shape =
      th ? Shape{3, default_size, default_size} : Shape{default_size, default_size, 3};
  Shape shape = o.input_shape;
  if (o.input_tensor) shape = o.input_tensor->shape().drop_front();
  if (o.include_top) {
    if (shape.rank() != 0 && !(shape == default_shape))
      throw ValueError(fmt::str(who, "input_shape is ", shape.str(), " with include_top, expected ",
                                default_shape.str(), " (without the top, any size >= ", min_size,
                                ")"));
    shape = default_shape;
  } else if (shape.rank() == 0) {
    shape = th ? Shape{3, Shape::kUnknown, Shape::kUnknown}
               : Shape{Shape::kUnknown, Shape::kUnknown, 3};
  } else {
    const bool channels_ok = shape.rank() == 3 && shape[th ? 0 : 2] == 3;
    if (!channels_ok)
      throw ValueError(fmt::str(who, "input_shape is ", shape.str(),
                                ", expected three axes with 3 ",
                                th ? "channels first" : "channels last"));
    for (int a : th ? std::vector<int>{1, 2} : std::vector<int>{0, 1})
      if (shape[a] != Shape::kUnknown && shape[a] < min_size)
        throw ValueError(fmt::str(who, "input_shape is ", shape.str(),
                                  ", expected rows and "
                                  "columns of at least ",
                                  min_size));
  }
  s.input = o.input_tensor ? *o.input_tensor : layers::Input(shape);
  return s;
}

std::shared_ptr<Model> finish(const std::string& model, const std::string& name, const Start& start,
                              const layers::SymbolicTensor& output, const ApplicationOptions& o) {
  auto m = std::make_shared<Model>(std::vector<layers::SymbolicTensor>{start.input},
                                   std::vector<layers::SymbolicTensor>{output}, name);
  if (!o.weights.empty()) {
    H5LoadOptions load;
    // Keras 1.2.2's application files say in their names how their kernels were trained.
    if (o.weights.find("_th_kernels") != std::string::npos) load.kernels = "theano";
    try {
      m->load_weights_h5(o.weights, load);
    } catch (const Error& e) {
      throw ValueError(fmt::str(model, ": weights: ", e.what()));
    }
  }
  return m;
}

}  // namespace detail

namespace {

using Builder = std::function<std::shared_ptr<Model>(const ApplicationOptions&)>;

const std::map<std::string, Builder, std::less<>>& builders() {
  static const std::map<std::string, Builder, std::less<>> table = {{"vgg16", VGG16},
                                                                    {"vgg19", VGG19},
                                                                    {"resnet50", ResNet50},
                                                                    {"inception_v3", InceptionV3},
                                                                    {"xception", Xception}};
  return table;
}

}  // namespace

std::vector<std::string> application_names() {
  std::vector<std::string> names;
  for (const auto& [name, _] : builders()) names.push_back(name);
  return names;
}

std::shared_ptr<Model> application(std::string_view name, const ApplicationOptions& options) {
  const auto it = builders().find(name);
  if (it == builders().end())
    throw ValueError(fmt::str("application: '", std::string(name), "' is not one of ",
                              fmt::list(application_names())));
  return it->second(options);
}

}  // namespace keel::applications
