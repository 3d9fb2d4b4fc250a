// LayoutWalk: the elements of a oneDNN memory visited in storage order, each with the index of
// its group — its position in a row-major array over some of the descriptor's dims (the "kept"
// dims; the others are summed over). This lets a per-group reduction and a per-group scaling
// (the norms of Keras's maxnorm and unitnorm constraints) run on a weight in the layout it is
// stored in, blocked or plain, with no reorder.
//
// A blocked layout (OIhw16i16o, nChw16c, ...) is a nest of physical dims: for each descriptor
// dim its outer blocks, then the inner blocks in order. A dim's index is a linear function of the
// physical indices (outer * block + inner ...), so the group index is linear too, and the walk
// is a plain loop nest. Elements in the padding of a blocked layout are visited too (oneDNN keeps
// them zero); groups count padded extents, so group() of a padded element is still in range.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include <cstdint>
#include <vector>

namespace keel {

class LayoutWalk {
 public:
  // `kept[i]`: descriptor dim i indexes the groups. ValueError for a descriptor that is not
  // blocked (plain and blocked layouts are; "any" is not).
  LayoutWalk(const dnnl::memory::desc& md, const std::vector<bool>& kept);

  // The number of groups: the product of the padded extents of the kept dims.
  std::int64_t groups() const { return groups_; }
  // The group of kept-dim indices `index` (one per descriptor dim; others ignored).
  std::int64_t group_of(const std::vector<std::int64_t>& index) const;

  // Calls run(offset, n, group, group_step) for runs of `n` elements that are contiguous in
  // memory from element `offset` (in elements of the data type) whose groups are
  // group, group + group_step, ...
  template <class Fn>
  void for_each_run(Fn&& run) const {
    std::vector<std::int64_t> idx(outer_.size(), 0);
    const std::int64_t n = inner_extent_;
    while (true) {
      std::int64_t off = offset0_, g = 0;
      for (std::size_t k = 0; k < outer_.size(); ++k) {
        off += idx[k] * outer_[k].stride;
        g += idx[k] * outer_[k].group_step;
      }
      run(off, n, g, inner_group_step_);
      std::size_t k = outer_.size();
      while (k > 0) {
        --k;
        if (++idx[k] < outer_[k].extent) break;
        idx[k] = 0;
        if (k == 0) return;
      }
      if (outer_.empty()) return;
    }
  }

 private:
  struct PhysicalDim {
    std::int64_t extent;
    std::int64_t stride;      // in elements
    std::int64_t group_step;  // how far the group index moves per step
  };
  std::vector<PhysicalDim> outer_;  // every physical dim but the innermost, outermost first
  std::int64_t inner_extent_ = 1;   // the innermost physical dim: stride 1
  std::int64_t inner_group_step_ = 0;
  std::int64_t offset0_ = 0;
  std::int64_t groups_ = 1;
  std::vector<std::int64_t> group_strides_;  // per descriptor dim (0 when not kept)
};

}  // namespace keel
