#include "keel/autograd/detail/data_axes.h"

#include <numeric>

#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

std::vector<int> image_data_axes(int spatial_rank, bool channels_last) {
  std::vector<int> axes(static_cast<std::size_t>(spatial_rank + 2));
  std::iota(axes.begin(), axes.end(), 0);
  if (channels_last) {
    axes[1] = spatial_rank + 1;
    for (int i = 0; i < spatial_rank; ++i) axes[static_cast<std::size_t>(i + 2)] = i + 1;
  }
  return axes;
}

void check_data_axes(const char* op, const Shape& x, const std::vector<int>& data_axes,
                     std::size_t spatial_rank) {
  const int rank = x.rank();
  if (spatial_rank < 1 || spatial_rank > 3 || static_cast<std::size_t>(rank) != spatial_rank + 2 ||
      data_axes.size() != spatial_rank + 2)
    throw ShapeError(fmt::str(op, ": input of shape ", x, " has rank ", rank, ", expected ",
                              spatial_rank + 2, " (", spatial_rank, " spatial dims, data_axes of ",
                              data_axes.size(), " entries)"));
  std::vector<bool> seen(data_axes.size(), false);
  for (int a : data_axes) {
    if (a < 0 || a >= rank || seen[static_cast<std::size_t>(a)])
      throw ValueError(
          fmt::str(op, ": data_axes must be a permutation of 0..", rank - 1, ", got axis ", a));
    seen[static_cast<std::size_t>(a)] = true;
  }
}

}  // namespace keel
