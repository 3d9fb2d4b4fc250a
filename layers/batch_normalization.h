// BatchNormalization: Keras 1's BatchNormalization(epsilon=1e-3, mode=0, axis=-1,
// momentum=0.99, weights=None, beta_init='zero', gamma_init='one', gamma_regularizer=None,
// beta_regularizer=None) (KERAS1_SEMANTICS.md 12.5).
//
//   keel::layers::BatchNormalization bn({.axis = 1});   // after a th convolution
//
// Weights, shape (input_shape[axis],), in Keras order: gamma, beta (trainable), running_mean,
// running_std (non-trainable; start at 0 and 1). As in Keras 1, running_std holds a running
// *variance* (the name is Keras's, renamed only in Keras 2). Param count 4 C, 2 C trainable.
//
//  - mode 0 (feature-wise, the default): training phase (layers::learning_phase()):
//      y = gamma (x - mean_B) / sqrt(var_B + epsilon) + beta
//    with the batch mean and the biased batch variance over every axis but `axis`, then
//      running_mean <- momentum running_mean + (1 - momentum) mean_B
//      running_std  <- momentum running_std  + (1 - momentum) var_B
//    (the update is a side effect of the call, outside any tape). Test phase: the same formula
//    with running_mean / running_std, no update.
//  - mode 2: like mode 0 but batch statistics in both phases and no running-stat updates.
//  - mode 1 (sample-wise, over the last axis): m = mean(x), s = sqrt(var(x) + epsilon),
//    y = gamma (x - m) / (s + epsilon) + beta (epsilon added twice, as Keras 1); running
//    statistics unused. Needs axis to be the last axis (gamma is broadcast over it).
// Modes 0 and 2 run on oneDNN batch normalization (autograd/batch_norm.h) in the layout of the
// input (a blocked convolution output stays blocked); mode 1 is composed of keel ops.
//
// get_config(): epsilon, mode, axis, gamma_regularizer, beta_regularizer, momentum (Keras does
// not serialise the init names); from_config also accepts beta_init and gamma_init.
//
// Errors: ValueError at construction for a mode other than 0, 1, 2, epsilon <= 0, momentum
// outside [0, 1], an unknown init; ShapeError at build for an input of rank < 2 or > 5, an axis
// out of range, an unknown channel size, a channel size other than the built one, or (mode 1)
// an axis that is not the last.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "keel/layers/layer.h"

namespace keel::layers {

struct BatchNormalizationOptions {
  double epsilon = 1e-3;
  int mode = 0;  // 0 feature-wise, 1 sample-wise, 2 feature-wise with batch statistics always
  int axis = -1;
  double momentum = 0.99;
  std::vector<Tensor> weights;
  Initializer beta_init = "zero";
  Initializer gamma_init = "one";
  std::optional<L1L2Regularizer> gamma_regularizer, beta_regularizer;
  KEEL_LAYER_BASE_OPTIONS;

  static auto fields() {
    using O = BatchNormalizationOptions;
    using kwargs::field;
    kwargs::Rule<int> modes = [](int m) {
      return m >= 0 && m <= 2 ? std::string()
                              : "0 (feature-wise), 1 (sample-wise) or 2 (feature-wise, batch "
                                "statistics in both phases)";
    };
    return std::tuple_cat(kwargs::fields(field("epsilon", &O::epsilon, kwargs::positive()),
                                         field("mode", &O::mode, modes), field("axis", &O::axis),
                                         field("momentum", &O::momentum, kwargs::in_range{0, 1}),
                                         kwargs::runtime("weights", &O::weights),
                                         // Keras 1.2.2's get_config() leaves the initializers out.
                                         kwargs::read_only("beta_init", &O::beta_init),
                                         kwargs::read_only("gamma_init", &O::gamma_init),
                                         field("gamma_regularizer", &O::gamma_regularizer),
                                         field("beta_regularizer", &O::beta_regularizer)),
                          base_fields<O>());
  }
};

class BatchNormalization : public WithOptions<BatchNormalizationOptions> {
 public:
  explicit BatchNormalization(const Options& options = {});

  int mode() const { return o_.mode; }
  int axis() const { return o_.axis; }
  double epsilon() const { return o_.epsilon; }
  double momentum() const { return o_.momentum; }
  // The weights by name (undefined before build).
  const Variable& gamma() const { return gamma_; }
  const Variable& beta() const { return beta_; }
  const Variable& running_mean() const { return running_mean_; }
  const Variable& running_std() const { return running_std_; }  // a variance (see above)

 protected:
  Shape compute_output_shape(const Shape& input_shape) const override;
  void build_weights(const Shape& input_shape) override;
  Variable call(const Variable& x) override;
  // relu in the batch-norm primitive (modes 0 and 2; not mode 1's sample-wise formula).
  Variable call_fused_activation(const Variable& x, FusedActivation activation) override;

 private:
  int channel_axis(const Shape& input_shape) const;  // `axis` resolved; ShapeError if invalid
  Variable sample_wise(const Variable& x) const;     // mode 1
  Variable normalize(const Variable& x, bool fuse_relu);

  std::int64_t channels_ = 0;  // set by build
  Variable gamma_, beta_, running_mean_, running_std_;
};

}  // namespace keel::layers
