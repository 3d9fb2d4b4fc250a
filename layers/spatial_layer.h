// SpatialLayer: what the weightless spatial layers — ZeroPadding, Cropping, UpSampling 1D/2D/3D —
// share: their rank, their dim_ordering (the 1D layers are always (batch, steps, features)), the
// image-input check and the data axis map their op reads the input through.
#pragma once

#include <string>
#include <vector>

#include "keel/autograd/detail/data_axes.h"
#include "keel/core/config.h"
#include "keel/layers/layer.h"

namespace keel::layers {

class SpatialLayer : public Layer {
 public:
  DimOrdering dim_ordering() const { return ordering_; }

 protected:
  SpatialLayer(std::string class_name, const BaseOptions& base, int rank)
      : Layer(std::move(class_name), base), rank_(rank) {}
  // Sets the ordering from the options (after accept_options() resolved it); 1D layers keep tf.
  template <class O>
  void set_ordering_from(const O& o) {
    if constexpr (requires { o.dim_ordering; })
      ordering_ = o.dim_ordering == "th" ? DimOrdering::th : DimOrdering::tf;
  }

  int rank() const { return rank_; }
  // The input axis of spatial axis 0.
  int first_spatial() const { return ordering_ == DimOrdering::tf ? 1 : 2; }
  std::vector<int> data_axes() const {
    return image_data_axes(rank_, ordering_ == DimOrdering::tf);
  }

 private:
  int rank_;
  DimOrdering ordering_ = DimOrdering::tf;
};

}  // namespace keel::layers
