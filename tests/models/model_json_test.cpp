// model_from_json / model_from_json_file: the text of Keras's model.to_json(), and every way
// such text can be wrong.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "keel/layers/convolution.h"
#include "keel/layers/core_layers.h"
#include "keel/layers/dense.h"
#include "keel/models/model.h"
#include "keel/models/sequential.h"
#include "test_util.h"

namespace keel {
namespace {

TEST(ModelFromJson, RebuildsTheArchitectureOfToJson) {
  Sequential m;
  m.add(layers::Convolution2D(4, 3, 3, {.activation = "relu", .input_shape = {8, 8, 1}}));
  m.add(layers::Flatten());
  m.add(layers::Dense(3, {.activation = "softmax"}));
  const std::string json = m.to_json();
  const std::shared_ptr<Model> back = model_from_json(json);
  EXPECT_EQ(back->get_config(), m.get_config());
  EXPECT_EQ(back->count_params(), m.count_params());
  EXPECT_EQ(Config::parse(json).at("keras_version"), "1.2.2");
}

TEST(ModelFromJson, TextThatIsNotJsonIsAValueError) {
  EXPECT_THROW_MSG(model_from_json("{\"class_name\": "), ValueError,
                   "model_from_json: not valid JSON");
  // A number no double can hold is nlohmann's out_of_range, not a parse_error: found by the
  // model_json fuzzer (it used to escape as a foreign exception).
  EXPECT_THROW_MSG(model_from_json("3600000000000018738323E2905sam \"_"), ValueError,
                   "model_from_json: not valid JSON");
  EXPECT_THROW_MSG(model_from_json("[1e400]"), ValueError, "not valid JSON");
}

TEST(ModelFromJson, JsonOfTheWrongShapeNamesWhatIsMissing) {
  EXPECT_THROW_MSG(model_from_json("{\"config\": []}"), ValueError, "class_name");
  EXPECT_THROW_MSG(model_from_json("{\"class_name\": \"Graph\", \"config\": []}"), ValueError,
                   "unknown model class 'Graph'");
}

TEST(ModelFromJson, FileErrorsNameThePath) {
  const std::string missing = "/nonexistent/keel_model.json";
  EXPECT_THROW_MSG(model_from_json_file(missing), IOError, missing);
  const std::string path =
      (std::filesystem::temp_directory_path() / "keel_model_json_test.json").string();
  {
    std::ofstream(path) << "{\"class_name\": \"Sequential\", \"config\": [{\"class_name\": "
                           "\"Dense\", \"config\": {\"output_dim\": -3, \"input_dim\": 2}}]}";
  }
  EXPECT_THROW_MSG(model_from_json_file(path), ValueError, path + ": ");
  EXPECT_THROW_MSG(model_from_json_file(path), ValueError, "output_dim is -3");
  std::remove(path.c_str());
}

}  // namespace
}  // namespace keel
