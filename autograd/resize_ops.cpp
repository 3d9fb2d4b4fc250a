#include "keel/autograd/resize_ops.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <string>

#include "keel/autograd/detail/data_axes.h"
#include "keel/autograd/tape.h"
#include "keel/core/error.h"
#include "keel/core/format.h"
#include "keel/core/primitive_cache.h"

namespace keel {

using dnnl::memory;
using dnnl::prop_kind;
namespace adapter = keel::dnnl_adapter;
using tag = memory::format_tag;

namespace {

// The layouts keel meets for image data, by rank: plain channels-first first, plain
// channels-last second, then the blocked layouts oneDNN picks for activations.
const std::vector<tag>& known_tags(int ndims) {
  static const std::vector<tag> r3{tag::ncw,   tag::nwc,   tag::nCw16c,
                                   tag::nCw8c, tag::nCw4c, tag::NCw16n16c};
  static const std::vector<tag> r4{tag::nchw,   tag::nhwc,   tag::nChw16c,
                                   tag::nChw8c, tag::nChw4c, tag::NChw16n16c};
  static const std::vector<tag> r5{tag::ncdhw,   tag::ndhwc,   tag::nCdhw16c,
                                   tag::nCdhw8c, tag::nCdhw4c, tag::NCdhw16n16c};
  return ndims == 3 ? r3 : ndims == 4 ? r4 : r5;
}

// The format tag that describes `md` exactly, if it is one keel knows.
std::optional<tag> tag_of(const memory::desc& md) {
  const int ndims = md.data.ndims;
  if (ndims < 3 || ndims > 5 || md.data.format_kind != dnnl_blocked) return std::nullopt;
  for (tag t : known_tags(ndims))
    if (adapter::tagged_desc(md.dims(), t) == md) return t;
  return std::nullopt;
}

// A dense descriptor of `dims` in the layout of `md` (plain channels-last if unrecognised).
memory::desc layout_like(const memory::desc& md, const memory::dims& dims) {
  const int ndims = static_cast<int>(dims.size());
  return adapter::tagged_desc(dims, tag_of(md).value_or(adapter::plain_image_tag(ndims, true)));
}

// Zeroes the whole buffer (padding of blocked layouts included).
void zero_fill(const Tensor& t) {
  auto* p = static_cast<char*>(t.buffer().get());
  const std::size_t n = t.desc().get_size();
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  const auto chunks = static_cast<std::int64_t>((n + kChunk - 1) / kChunk);
#pragma omp parallel for schedule(static) if (chunks > 1)
  for (std::int64_t c = 0; c < chunks; ++c) {
    const std::size_t off = static_cast<std::size_t>(c) * kChunk;
    std::memset(p + off, 0, std::min(kChunk, n - off));
  }
}

void check_margins(const char* what, const char* arg, const std::vector<std::int64_t>& before,
                   const std::vector<std::int64_t>& after) {
  if (before.size() != after.size())
    throw ValueError(fmt::str(std::string(what), ": ", before.size(), " 'before' and ",
                              after.size(),
                              " 'after' values given, expected one of each per spatial dim"));
  for (std::size_t i = 0; i < before.size(); ++i)
    if (before[i] < 0 || after[i] < 0)
      throw ValueError(fmt::str(std::string(what), ": ", arg, " (", before[i], ", ", after[i],
                                ") of spatial dim ", i, " is negative, expected values >= 0"));
}

Shape logical_shape(const memory::dims& dims, const std::vector<int>& data_axes) {
  std::vector<std::int64_t> v(dims.size());
  for (std::size_t i = 0; i < dims.size(); ++i) v[static_cast<std::size_t>(data_axes[i])] = dims[i];
  return Shape(v);
}

// Offsets of a sub-memory that starts `before` into each spatial dim.
memory::dims spatial_offsets(const std::vector<std::int64_t>& before) {
  memory::dims offsets(before.size() + 2, 0);
  std::copy(before.begin(), before.end(), offsets.begin() + 2);
  return offsets;
}

bool has_elements(const memory::dims& dims) {
  return std::all_of(dims.begin(), dims.end(), [](memory::dim d) { return d > 0; });
}

}  // namespace

// --- zero_pad --------------------------------------------------------------------------------

Variable zero_pad(const Variable& x, const std::vector<int>& data_axes,
                  const std::vector<std::int64_t>& before, const std::vector<std::int64_t>& after) {
  check_margins("zero_pad", "padding", before, after);
  check_data_axes("zero_pad", x.shape(), data_axes, before.size());
  const Tensor xv = x.value().in_axes(data_axes);
  const memory::dims x_dims = xv.desc().dims();
  memory::dims y_dims = x_dims;
  for (std::size_t i = 0; i < before.size(); ++i) y_dims[2 + i] += before[i] + after[i];
  const memory::dims offsets = spatial_offsets(before);

  // Forward: a zeroed output in x's layout, x copied into the interior view.
  const memory::desc y_md = layout_like(xv.desc(), y_dims);
  Tensor y = Tensor::empty_like_desc(logical_shape(y_dims, data_axes), y_md, data_axes);
  zero_fill(y);
  if (has_elements(x_dims)) reorder_into(xv, y.memory_as(y_md.submemory_desc(x_dims, offsets)));

  return record(
      "zero_pad", std::move(y), {x},
      [x_md = xv.desc(), x_dims, x_shape = x.shape(), offsets, data_axes](
          const Tensor& g, const std::vector<bool>&) {
        // Backward: the interior view of dy is dx.
        const Tensor gv = g.in_axes(data_axes);
        Tensor dx = Tensor::empty_like_desc(x_shape, layout_like(x_md, x_dims), data_axes);
        if (has_elements(x_dims)) {
          const Tensor interior = Tensor::from_buffer(
              x_shape, gv.desc().submemory_desc(x_dims, offsets), gv.buffer(), data_axes);
          reorder_into(interior, dx.memory());
        }
        return std::vector<Tensor>{std::move(dx)};
      },
      kReadsNone);
}

// --- crop ------------------------------------------------------------------------------------

Variable crop(const Variable& x, const std::vector<int>& data_axes,
              const std::vector<std::int64_t>& before, const std::vector<std::int64_t>& after) {
  check_margins("crop", "cropping", before, after);
  check_data_axes("crop", x.shape(), data_axes, before.size());
  const Tensor xv = x.value().in_axes(data_axes);
  const memory::dims x_dims = xv.desc().dims();
  memory::dims y_dims = x_dims;
  for (std::size_t i = 0; i < before.size(); ++i) {
    y_dims[2 + i] -= before[i] + after[i];
    if (y_dims[2 + i] <= 0)
      throw ShapeError(fmt::str("crop: cropping ", fmt::tuple({before[i], after[i]}),
                                " of spatial dim ", i, " (length ", x_dims[2 + i], ") of input ",
                                x.shape().str(), " leaves ", y_dims[2 + i],
                                " elements, expected at least 1"));
  }
  const memory::dims offsets = spatial_offsets(before);
  const Shape y_shape = logical_shape(y_dims, data_axes);

  // Forward: one reorder of the interior view of x.
  Tensor y = Tensor::empty_like_desc(y_shape, layout_like(xv.desc(), y_dims), data_axes);
  if (has_elements(y_dims)) {
    const Tensor interior = Tensor::from_buffer(y_shape, xv.desc().submemory_desc(y_dims, offsets),
                                                xv.buffer(), data_axes);
    reorder_into(interior, y.memory());
  }

  return record(
      "crop", std::move(y), {x},
      [x_md = xv.desc(), x_dims, y_dims, x_shape = x.shape(), offsets, data_axes](
          const Tensor& g, const std::vector<bool>&) {
        // Backward: dy written into the interior view of a zeroed dx.
        const Tensor gv = g.in_axes(data_axes);
        const memory::desc dx_md = layout_like(x_md, x_dims);
        Tensor dx = Tensor::empty_like_desc(x_shape, dx_md, data_axes);
        zero_fill(dx);
        if (has_elements(y_dims))
          reorder_into(gv, dx.memory_as(dx_md.submemory_desc(y_dims, offsets)));
        return std::vector<Tensor>{std::move(dx)};
      },
      kReadsNone);
}

// --- upsample_nearest ------------------------------------------------------------------------

Variable upsample_nearest(const Variable& x, const std::vector<int>& data_axes,
                          const std::vector<std::int64_t>& factors) {
  check_data_axes("upsample_nearest", x.shape(), data_axes, factors.size());
  for (auto f : factors)
    if (f < 1)
      throw ValueError(
          fmt::str("upsample_nearest: factors ", fmt::tuple(factors), " must all be >= 1"));
  Tensor xv = x.value().in_axes(data_axes);
  const memory::dims x_dims = xv.desc().dims();
  const int ndims = static_cast<int>(x_dims.size());
  // Resampling kernels are slow on plain channels-first data (and on layouts keel does not
  // know): run those channels-last.
  const std::optional<tag> t = tag_of(xv.desc());
  if (!t || *t == adapter::plain_image_tag(ndims, false))
    xv = xv.to_desc(adapter::tagged_desc(x_dims, adapter::plain_image_tag(ndims, true)));
  const memory::desc x_md = xv.desc();

  memory::dims y_dims = x_dims;
  for (std::size_t i = 0; i < factors.size(); ++i) y_dims[2 + i] *= factors[i];
  const memory::desc y_md = layout_like(x_md, y_dims);
  const std::vector<float> scale(factors.begin(), factors.end());

  const bool training = is_recording() && x.requires_grad();
  const prop_kind prop = training ? prop_kind::forward_training : prop_kind::forward_inference;
  CacheKey key("resampling_fwd");
  key << prop << factors << x_md << y_md;
  auto fwd = cached_primitive<dnnl::resampling_forward>(
      key, [&] { return adapter::resampling_forward(prop, scale, x_md, y_md); });
  Tensor y =
      Tensor::empty_like_desc(logical_shape(y_dims, data_axes), fwd->pd.dst_desc(), data_axes);
  if (has_elements(y_dims)) fwd->run({{DNNL_ARG_SRC, xv.memory()}, {DNNL_ARG_DST, y.memory()}});
  if (!training) return Variable(std::move(y));

  return record(
      "upsample_nearest", std::move(y), {x},
      [fwd, x_md, x_shape = x.shape(), factors, data_axes](const Tensor& g,
                                                           const std::vector<bool>&) {
        // Backward: dx[i] = the sum of dy over the block that x[i] was repeated into.
        const memory::desc y_md = fwd->pd.dst_desc();
        const Tensor gv = g.to_layout(y_md, data_axes);
        CacheKey key("resampling_bwd");
        key << factors << x_md << y_md;
        auto bwd = cached_primitive<dnnl::resampling_backward>(key, [&] {
          const std::vector<float> scale(factors.begin(), factors.end());
          return adapter::resampling_backward(scale, x_md, y_md, fwd->pd);
        });
        Tensor dx = Tensor::empty_like_desc(x_shape, bwd->pd.diff_src_desc(), data_axes);
        if (x_shape.numel() > 0)
          bwd->run({{DNNL_ARG_DIFF_DST, gv.memory()}, {DNNL_ARG_DIFF_SRC, dx.memory()}});
        return std::vector<Tensor>{std::move(dx)};
      },
      kReadsNone);
}

}  // namespace keel
