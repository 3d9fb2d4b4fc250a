#include "keel/layers/layer_options.h"

#include "keel/autograd/ops.h"

namespace keel::layers {

kwargs::Rule<std::string> dim_ordering_rule() { return kwargs::one_of({"default", "tf", "th"}); }

DimOrdering resolve_dim_ordering(std::string& dim_ordering) {
  const DimOrdering d = parse_dim_ordering(dim_ordering, "dim_ordering");
  dim_ordering = std::string(to_string(d));
  return d;
}

kwargs::Rule<std::string> activation_rule() { return kwargs::one_of(activation_names()); }

kwargs::Rule<std::string> border_mode_rule(std::vector<std::string> allowed) {
  return kwargs::one_of(std::move(allowed));
}

}  // namespace keel::layers
