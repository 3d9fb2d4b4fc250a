// fine_tune_images: fine-tuning as Keras 1 users did it (the "bottleneck" blog recipe) — a
// pretrained convolutional base, frozen while a new head learns on a folder of images with
// augmentation, then its top block unfrozen and fine-tuned with SGD(lr=1e-4, momentum=0.9).
//
//   fine_tune_images [--data DIR] [--base vgg16|resnet50|xception] [--weights FILE.h5]
//                    [--size N] [--per-class N] [--epochs N] [--pretrain-epochs N]
//                    [--output PATH]
//
// Without --data it writes a small image-folder dataset from Fashion-MNIST first: PNG files in
// DIR/train/<class>/ and DIR/validation/<class>/ (4 classes, RGB; flow_from_directory upscales
// them to --size). Without --weights (a Keras 1 application weights file, e.g.
// vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5, loaded by name) the base is first trained
// briefly in the same run, so that the freeze-then-unfreeze schedule has a real base to keep.
// Prints the validation accuracy after each phase and saves a keel checkpoint.
#include <keel/keel.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace {

using namespace keel;
using namespace keel::layers;
namespace fs = std::filesystem;

const char* const kClasses[] = {"tshirt", "trouser", "bag", "sneaker"};
const int kLabels[] = {0, 1, 8, 7};  // their Fashion-MNIST labels

// DIR/train/<class>/<i>.png and DIR/validation/<class>/<i>.png from the Fashion-MNIST sets.
void write_dataset(const std::string& dir, std::int64_t per_class) {
  const FashionMnist data = load_fashion_mnist();
  const auto write = [&](const Tensor& x, const Tensor& y, const std::string& split,
                         std::int64_t wanted) {
    for (int c = 0; c < 4; ++c) {
      fs::create_directories(fs::path(dir) / split / kClasses[c]);
      std::int64_t written = 0;
      for (std::int64_t i = 0; i < x.shape()[0] && written < wanted; ++i) {
        if (static_cast<int>(y.data()[i]) != kLabels[c]) continue;
        Tensor rgb = Tensor::empty(Shape{28, 28, 3});
        for (std::int64_t p = 0; p < 28 * 28; ++p)
          for (int k = 0; k < 3; ++k) rgb.data()[p * 3 + k] = x.data()[i * 784 + p] * 255.f;
        save_image(
            (fs::path(dir) / split / kClasses[c] / (std::to_string(written) + ".png")).string(),
            rgb, "tf", /*scale=*/false);
        ++written;
      }
    }
  };
  write(data.x_train, data.y_train, "train", per_class);
  write(data.x_test, data.y_test, "validation", per_class / 4);
}

// The layers that are "the top block" of each base: unfrozen in the second phase.
bool in_top_block(const std::string& base, const std::string& layer) {
  if (base == "vgg16") return layer.rfind("block5_", 0) == 0;
  if (base == "resnet50") return layer.find("5c_branch") != std::string::npos;
  return layer.rfind("block14_", 0) == 0;  // xception
}

double accuracy(Model& m, preprocessing::DirectoryIterator& val) {
  val.seek(0);
  return m.evaluate_generator(val, val.samples())[1];
}

}  // namespace

int main(int argc, char** argv) {
  std::string data_dir, base_name = "vgg16", weights, output = "fine_tuned_images.ckpt";
  std::int64_t size = 0, per_class = 60;
  int epochs = 2, pretrain_epochs = 4;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--data")
      data_dir = value;
    else if (flag == "--base")
      base_name = value;
    else if (flag == "--weights")
      weights = value;
    else if (flag == "--size")
      size = std::atoll(value.c_str());
    else if (flag == "--per-class")
      per_class = std::atoll(value.c_str());
    else if (flag == "--pretrain-epochs")
      pretrain_epochs = std::atoi(value.c_str());
    else if (flag == "--epochs")
      epochs = std::atoi(value.c_str());
    else if (flag == "--output")
      output = value;
    else {
      std::fprintf(stderr, "fine_tune_images: unknown flag %s\n", flag.c_str());
      return 2;
    }
  }
  if (size == 0) size = base_name == "resnet50" ? 197 : base_name == "xception" ? 71 : 48;
  try {
    set_seed(1);
    if (data_dir.empty()) {
      data_dir = (fs::temp_directory_path() / "keel_fine_tune_images").string();
      fs::remove_all(data_dir);
      std::printf("Writing a Fashion-MNIST image folder to %s\n", data_dir.c_str());
      write_dataset(data_dir, per_class);
    }
    const preprocessing::ImageDataGenerator train_gen({.shear_range = 0.2,
                                                       .zoom_range = 0.2,
                                                       .horizontal_flip = true,
                                                       .rescale = 1.0 / 255,
                                                       .dim_ordering = "tf"});
    const preprocessing::ImageDataGenerator val_gen({.rescale = 1.0 / 255, .dim_ordering = "tf"});
    auto train = train_gen.flow_from_directory(
        data_dir + "/train", {.target_size = {size, size}, .batch_size = 16, .seed = 1});
    auto val = val_gen.flow_from_directory(
        data_dir + "/validation",
        {.target_size = {size, size}, .batch_size = 16, .shuffle = false});
    const auto classes = static_cast<std::int64_t>(train->classes().size());

    auto base = applications::application(base_name, {.include_top = false,
                                                      .weights = weights,
                                                      .input_shape = {size, size, 3},
                                                      .dim_ordering = "tf"});
    const auto head_on = [&](const std::string& prefix) {
      auto x = (*std::make_shared<Flatten>(FlattenOptions{.name = prefix + "_flatten"}))(
          base->outputs()[0]);
      x = (*std::make_shared<Dense>(64,
                                    DenseOptions{.activation = "relu", .name = prefix + "_fc"}))(x);
      x = (*std::make_shared<Dropout>(0.5, DropoutOptions{.name = prefix + "_dropout"}))(x);
      x = (*std::make_shared<Dense>(
          classes, DenseOptions{.activation = "softmax", .name = prefix + "_out"}))(x);
      return std::make_shared<Model>(base->inputs(), std::vector<SymbolicTensor>{x}, prefix);
    };

    if (weights.empty()) {
      std::printf("\n== Phase 0: no pretrained weights given: training the %s base briefly\n",
                  base_name.c_str());
      auto pre = head_on("pretraining");
      pre->compile(std::make_shared<optimizers::Adam>(optimizers::AdamOptions{.lr = 3e-4f}),
                   "categorical_crossentropy", {"accuracy"});
      pre->fit_generator(*train,
                         {.samples_per_epoch = train->samples(), .nb_epoch = pretrain_epochs});
    }

    std::printf("\n== Phase 1: base frozen, new head trained\n");
    for (const auto& l : base->layers()) l->set_trainable(false);
    auto model = head_on("head");
    model->compile(std::make_shared<optimizers::RMSprop>(), "categorical_crossentropy",
                   {"accuracy"});
    model->fit_generator(*train, {.samples_per_epoch = train->samples(), .nb_epoch = epochs});
    std::printf("validation accuracy after phase 1: %.4f\n", accuracy(*model, *val));

    std::printf("\n== Phase 2: top block unfrozen, SGD(lr=1e-4, momentum=0.9)\n");
    int unfrozen = 0;
    for (const auto& l : base->layers())
      if (in_top_block(base_name, l->name())) {
        l->set_trainable(true);
        ++unfrozen;
      }
    model->compile(
        std::make_shared<optimizers::SGD>(optimizers::SGDOptions{.lr = 1e-4f, .momentum = 0.9f}),
        "categorical_crossentropy", {"accuracy"});
    std::printf("%d layers of the top block trainable, %zu weights trained\n", unfrozen,
                model->trainable_weights().size());
    model->fit_generator(*train, {.samples_per_epoch = train->samples(), .nb_epoch = epochs});
    std::printf("validation accuracy after phase 2: %.4f\n", accuracy(*model, *val));
    save_checkpoint(output, *model);
    std::printf("saved %s\n", output.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fine_tune_images: %s\n", e.what());
    return 1;
  }
  return 0;
}
