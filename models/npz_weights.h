// A model's weights as a NumPy .npz archive (core/npz.h), to inspect them in Python or bring in
// weights exported by a Keras or PyTorch script.
//
//   keel::save_weights_npz(model, "weights.npz");
//   # Python: np.load("weights.npz")["convolution2d_1/W"]  -> the kernel, Keras layout
//   keel::load_weights_npz(model, "weights.npz");
//
// save_weights_npz writes one array per weight, keyed "<layer name>/<weight name>"
// ("convolution2d_1/W", "dense_1/b"), in Keras layout and in the model's weight order, atomically
// (a crash leaves the previous file in place).
//
// load_weights_npz loads by name, like Model::load_weights. A weight is looked up under
// "<layer>/<weight>" and, failing that, under Keras 1's variable name "<layer>_<weight>"
// ("dense_1_W"), so an archive written from Keras (np.savez(path, **{w.name: K.get_value(w) for
// w in model.weights}); the TensorFlow backend's names end in ":0", to be dropped) or from a
// PyTorch script using those names loads too. A key that would match two
// model weights ("a_b_c" for both a/b_c and a_b/c) matches neither and is reported unexpected.
// Strict (default): any missing, unexpected or shape-mismatched weight is a ValueError listing
// them all, and the model is left untouched. Non-strict: loads what matches and reports the rest
// (missing and mismatched as "<layer>/<weight>", unexpected under the archive's key).
// IOError for a missing or damaged file.
#pragma once

#include <string>

#include "keel/models/model.h"

namespace keel {

void save_weights_npz(const Model& model, const std::string& path);

Model::LoadReport load_weights_npz(Model& model, const std::string& path, bool strict = true);

}  // namespace keel
