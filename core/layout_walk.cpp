#include "keel/core/detail/layout_walk.h"

#include <algorithm>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

LayoutWalk::LayoutWalk(const dnnl::memory::desc& md, const std::vector<bool>& kept) {
  const dnnl_memory_desc_t& d = md.data;
  if (d.format_kind != dnnl_blocked)
    throw ValueError("LayoutWalk: the memory descriptor is not in a plain or blocked layout");
  const int nd = d.ndims;
  if (static_cast<int>(kept.size()) != nd)
    throw ValueError(
        fmt::str("LayoutWalk: ", kept.size(), " kept flags for a descriptor of ", nd, " dims"));
  const dnnl_blocking_desc_t& b = d.format_desc.blocking;

  group_strides_.assign(static_cast<std::size_t>(nd), 0);
  for (int i = nd - 1; i >= 0; --i) {
    if (!kept[static_cast<std::size_t>(i)]) continue;
    group_strides_[static_cast<std::size_t>(i)] = groups_;
    groups_ *= d.padded_dims[i];
  }

  std::vector<std::int64_t> block(static_cast<std::size_t>(nd), 1);
  for (int k = 0; k < b.inner_nblks; ++k)
    block[static_cast<std::size_t>(b.inner_idxs[k])] *= b.inner_blks[k];

  std::vector<PhysicalDim> dims;
  for (int i = 0; i < nd; ++i) {
    const auto u = static_cast<std::size_t>(i);
    dims.push_back({d.padded_dims[i] / block[u], b.strides[i], block[u] * group_strides_[u]});
  }
  std::int64_t inner_stride = 1;
  for (int k = b.inner_nblks - 1; k >= 0; --k) {
    const auto dim = static_cast<std::size_t>(b.inner_idxs[k]);
    // The dim's index advances by the product of its blocks that lie further in.
    std::int64_t multiplier = 1;
    for (int j = k + 1; j < b.inner_nblks; ++j)
      if (b.inner_idxs[j] == b.inner_idxs[k]) multiplier *= b.inner_blks[j];
    dims.push_back({b.inner_blks[k], inner_stride, multiplier * group_strides_[dim]});
    inner_stride *= b.inner_blks[k];
  }
  dims.erase(
      std::remove_if(dims.begin(), dims.end(), [](const PhysicalDim& p) { return p.extent == 1; }),
      dims.end());
  std::stable_sort(dims.begin(), dims.end(),
                   [](const PhysicalDim& a, const PhysicalDim& c) { return a.stride > c.stride; });
  if (!dims.empty() && dims.back().stride == 1) {
    inner_extent_ = dims.back().extent;
    inner_group_step_ = dims.back().group_step;
    dims.pop_back();
  }
  outer_ = std::move(dims);
  offset0_ = d.offset0;
}

std::int64_t LayoutWalk::group_of(const std::vector<std::int64_t>& index) const {
  std::int64_t g = 0;
  for (std::size_t i = 0; i < index.size() && i < group_strides_.size(); ++i)
    g += index[i] * group_strides_[i];
  return g;
}

}  // namespace keel
