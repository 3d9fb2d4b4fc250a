#include "keel/autograd/variable.h"

#include <atomic>

#include "keel/core/allocator.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel {

struct Variable::Impl {
  std::uint64_t id;
  Tensor value;
  Tensor grad;
  bool requires_grad;
  std::string name;
  std::function<void(Tensor&)> constraint;
  // The value in a compute layout, valid until the value changes.
  Tensor layout_copy;
  std::uint64_t version = 0;
};

namespace {
std::atomic<std::uint64_t> g_next_id{1};
}

Variable::Variable(Tensor value, bool requires_grad, std::string name)
    : impl_(std::make_shared<Impl>(Impl{g_next_id.fetch_add(1, std::memory_order_relaxed),
                                        std::move(value), Tensor(), requires_grad,
                                        std::move(name)})) {}

Variable::Impl& Variable::impl() const {
  if (!impl_) throw ValueError("Variable: the variable is undefined");
  return *impl_;
}

std::uint64_t Variable::id() const { return impl().id; }
const Tensor& Variable::value() const { return impl().value; }

void Variable::set_value(Tensor value) {
  Impl& i = impl();
  if (i.value.defined() && !(value.shape() == i.value.shape()))
    throw ShapeError(fmt::str("Variable '", i.name, "': set_value got shape ", value.shape().str(),
                              ", expected ", i.value.shape().str()));
  i.value = std::move(value);
  i.layout_copy = Tensor();
}

Tensor Variable::value_in(const Layout& layout) const {
  Impl& i = impl();
  Tensor::Axes want = layout.axes;
  if (want.empty()) {  // identity
    want.resize(static_cast<std::size_t>(layout.desc.data.ndims));
    for (std::size_t k = 0; k < want.size(); ++k) want[k] = static_cast<int>(k);
  }
  if (i.layout_copy.defined() && i.layout_copy.desc() == layout.desc &&
      i.layout_copy.axes() == want)
    return i.layout_copy;
  Tensor t = i.value.to_layout(layout);
  // A copy only when the layout differs: a view of the value itself must not be kept (an
  // in-place update would change it behind the cache's back without a new reorder mattering).
  if (t.buffer() != i.value.buffer()) i.layout_copy = t;
  return t;
}

void Variable::store_as(const Layout& layout) {
  Impl& i = impl();
  const LongLivedAllocations long_lived;  // the weight's new home
  const Tensor t = value_in(layout);
  if (t.buffer() != i.value.buffer()) {
    i.value = t;
    i.layout_copy = Tensor();
  }
}

void Variable::mark_modified() {
  Impl& i = impl();
  ++i.version;
  i.layout_copy = Tensor();
}

std::uint64_t Variable::version() const { return impl().version; }

std::weak_ptr<const std::uint64_t> Variable::version_counter() const {
  impl();  // throws for an undefined Variable
  return std::shared_ptr<const std::uint64_t>(impl_, &impl_->version);
}

const Tensor& Variable::grad() const { return impl().grad; }

void Variable::set_grad(Tensor grad) {
  Impl& i = impl();
  if (grad.defined() && !(grad.shape() == i.value.shape()))
    throw ShapeError(fmt::str("Variable '", i.name, "': gradient of shape ", grad.shape().str(),
                              " does not match the value's shape ", i.value.shape().str()));
  i.grad = std::move(grad);
}

void Variable::set_constraint_fn(std::function<void(Tensor&)> constraint) {
  impl().constraint = std::move(constraint);
}

bool Variable::has_constraint() const { return static_cast<bool>(impl().constraint); }

void Variable::apply_constraint() {
  Impl& i = impl();
  if (!i.constraint) return;
  i.constraint(i.value);
  mark_modified();
}

void Variable::zero_grad() { impl().grad = Tensor(); }
bool Variable::requires_grad() const { return impl().requires_grad; }
void Variable::set_requires_grad(bool r) { impl().requires_grad = r; }
const std::string& Variable::name() const { return impl().name; }
void Variable::set_name(std::string name) { impl().name = std::move(name); }

}  // namespace keel
