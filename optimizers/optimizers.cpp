#include "keel/optimizers/optimizers.h"

#include <array>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <string>

#include "keel/core/context.h"
#include "keel/core/error.h"
#include "keel/core/format.h"

namespace keel::optimizers {
namespace {

// keel is compiled with -fno-math-errno (CMakeLists.txt), so this vectorises in the fused loops.
float root(float x) { return std::sqrt(x); }

// One fused element-wise pass: body(i) for i in [0, n), vectorised, and spread over keel's
// OpenMP threads when n >= threshold. Each thread copies `body` so that its captured scalars
// and pointers are locals the vectoriser keeps in registers.
template <class Body>
void fused(std::int64_t n, std::int64_t threshold, const Body& body) {
#pragma omp parallel num_threads(keel::num_threads()) if (n >= threshold)
  {
    const Body local = body;
#pragma omp for simd schedule(static)
    for (std::int64_t i = 0; i < n; ++i) local(i);
  }
}

float f32(double v) { return static_cast<float>(v); }

constexpr std::int64_t kParallel = kParallelThreshold;

// --- the rules: one per optimizer, the equations of optimizers.h ---------------------------
// Each gives its Keras names, its slots, the step's scalar factors (begin, in double, cast to
// float) and the fused element-wise update.
template <class O>
struct Rule;

template <>
struct Rule<SGDOptions> {
  static constexpr std::string_view name = "SGD", lower = "sgd";
  static constexpr bool always_counts = false;
  static std::vector<std::string> slots(const SGDOptions& o) {
    return o.momentum > 0.f ? std::vector<std::string>{"moment"} : std::vector<std::string>{};
  }
  static void begin(const SGDOptions&, double lr_t, double, float* f, double&) { f[0] = f32(lr_t); }
  template <class Clip>
  static void update(const SGDOptions& o, const float* f, float, float* p, const float* g,
                     float* const* s, std::int64_t n, Clip clip) {
    const float lr = f[0];
    if (!(o.momentum > 0.f)) {
      // v = 0*m - lr*g = -(lr*g); p + v, and with nesterov (p + 0*v) - lr*g: the same floats.
      fused(n, kParallel, [=](std::int64_t i) { p[i] = p[i] - lr * clip(g[i]); });
      return;
    }
    const float mu = o.momentum;
    float* m = s[0];
    if (o.nesterov) {
      fused(n, kParallel, [=](std::int64_t i) {
        const float gi = clip(g[i]);
        const float v = mu * m[i] - lr * gi;
        m[i] = v;
        p[i] = p[i] + mu * v - lr * gi;
      });
    } else {
      fused(n, kParallel, [=](std::int64_t i) {
        const float v = mu * m[i] - lr * clip(g[i]);
        m[i] = v;
        p[i] = p[i] + v;
      });
    }
  }
};

template <>
struct Rule<RMSpropOptions> {
  static constexpr std::string_view name = "RMSprop", lower = "rmsprop";
  static constexpr bool always_counts = false;
  static std::vector<std::string> slots(const RMSpropOptions&) { return {"accumulator"}; }
  static void begin(const RMSpropOptions&, double lr_t, double, float* f, double&) {
    f[0] = f32(lr_t);
  }
  template <class Clip>
  static void update(const RMSpropOptions& o, const float* f, float, float* p, const float* g,
                     float* const* s, std::int64_t n, Clip clip) {
    const float lr = f[0], rho = o.rho, one_minus_rho = 1.f - o.rho, eps = o.epsilon;
    float* a = s[0];
    fused(n, kParallel, [=](std::int64_t i) {
      const float gi = clip(g[i]);
      const float ai = rho * a[i] + one_minus_rho * (gi * gi);
      a[i] = ai;
      p[i] = p[i] - lr * gi / (root(ai) + eps);
    });
  }
};

template <>
struct Rule<AdagradOptions> {
  static constexpr std::string_view name = "Adagrad", lower = "adagrad";
  static constexpr bool always_counts = false;
  static std::vector<std::string> slots(const AdagradOptions&) { return {"accumulator"}; }
  static void begin(const AdagradOptions&, double lr_t, double, float* f, double&) {
    f[0] = f32(lr_t);
  }
  template <class Clip>
  static void update(const AdagradOptions& o, const float* f, float, float* p, const float* g,
                     float* const* s, std::int64_t n, Clip clip) {
    const float lr = f[0], eps = o.epsilon;
    float* a = s[0];
    fused(n, kParallel, [=](std::int64_t i) {
      const float gi = clip(g[i]);
      const float ai = a[i] + gi * gi;
      a[i] = ai;
      p[i] = p[i] - lr * gi / (root(ai) + eps);
    });
  }
};

template <>
struct Rule<AdadeltaOptions> {
  static constexpr std::string_view name = "Adadelta", lower = "adadelta";
  static constexpr bool always_counts = false;
  static std::vector<std::string> slots(const AdadeltaOptions&) {
    return {"accumulator", "delta_accumulator"};
  }
  static void begin(const AdadeltaOptions&, double lr_t, double, float* f, double&) {
    f[0] = f32(lr_t);
  }
  template <class Clip>
  static void update(const AdadeltaOptions& o, const float* f, float, float* p, const float* g,
                     float* const* s, std::int64_t n, Clip clip) {
    const float lr = f[0], rho = o.rho, one_minus_rho = 1.f - o.rho, eps = o.epsilon;
    float* a = s[0];
    float* d = s[1];
    fused(n, kParallel, [=](std::int64_t i) {
      const float gi = clip(g[i]);
      const float ai = rho * a[i] + one_minus_rho * (gi * gi);
      a[i] = ai;
      const float u = gi * root(d[i] + eps) / root(ai + eps);  // new a, old d
      p[i] = p[i] - lr * u;
      d[i] = rho * d[i] + one_minus_rho * (u * u);
    });
  }
};

template <>
struct Rule<AdamOptions> {
  static constexpr std::string_view name = "Adam", lower = "adam";
  static constexpr bool always_counts = true;
  static std::vector<std::string> slots(const AdamOptions&) { return {"m", "v"}; }
  static void begin(const AdamOptions& o, double lr_t, double t, float* f, double&) {
    f[0] = f32(lr_t * std::sqrt(1.0 - std::pow(double(o.beta_2), t)) /
               (1.0 - std::pow(double(o.beta_1), t)));
  }
  template <class Clip>
  static void update(const AdamOptions& o, const float* f, float, float* p, const float* g,
                     float* const* s, std::int64_t n, Clip clip) {
    const float alpha = f[0], b1 = o.beta_1, b2 = o.beta_2, eps = o.epsilon;
    const float one_minus_b1 = 1.f - b1, one_minus_b2 = 1.f - b2;
    float* m = s[0];
    float* v = s[1];
    fused(n, kParallel, [=](std::int64_t i) {
      const float gi = clip(g[i]);
      const float mi = b1 * m[i] + one_minus_b1 * gi;
      const float vi = b2 * v[i] + one_minus_b2 * (gi * gi);
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] - alpha * mi / (root(vi) + eps);
    });
  }
};

template <>
struct Rule<AdamaxOptions> {
  static constexpr std::string_view name = "Adamax", lower = "adamax";
  static constexpr bool always_counts = true;
  static std::vector<std::string> slots(const AdamaxOptions&) { return {"m", "u"}; }
  static void begin(const AdamaxOptions& o, double lr_t, double t, float* f, double&) {
    f[0] = f32(lr_t / (1.0 - std::pow(double(o.beta_1), t)));
  }
  template <class Clip>
  static void update(const AdamaxOptions& o, const float* f, float, float* p, const float* g,
                     float* const* s, std::int64_t n, Clip clip) {
    const float alpha = f[0], b1 = o.beta_1, b2 = o.beta_2, eps = o.epsilon;
    const float one_minus_b1 = 1.f - b1;
    float* m = s[0];
    float* u = s[1];
    fused(n, kParallel, [=](std::int64_t i) {
      const float gi = clip(g[i]);
      const float mi = b1 * m[i] + one_minus_b1 * gi;
      const float ui = std::max(b2 * u[i], std::abs(gi));
      m[i] = mi;
      u[i] = ui;
      p[i] = p[i] - alpha * mi / (ui + eps);
    });
  }
};

template <>
struct Rule<NadamOptions> {
  static constexpr std::string_view name = "Nadam", lower = "nadam";
  static constexpr bool always_counts = true;
  static std::vector<std::string> slots(const NadamOptions&) { return {"m", "v"}; }
  static void begin(const NadamOptions& o, double, double t, float* f, double& schedule) {
    const double b1 = o.beta_1, sd = o.schedule_decay;
    const double mu_t = b1 * (1.0 - 0.5 * std::pow(0.96, t * sd));
    const double mu_t1 = b1 * (1.0 - 0.5 * std::pow(0.96, (t + 1.0) * sd));
    const double s_new = schedule * mu_t;
    const double s_next = s_new * mu_t1;
    schedule = s_new;
    // m_bar = (1 - mu_t) g / (1 - S) + mu_t1 m / (1 - S_next) and v_hat = v / (1 - beta_2^t):
    // the scalar factors are folded in double, leaving one division per element (as Adam).
    f[0] = f32((1.0 - mu_t) / (1.0 - s_new));
    f[1] = f32(mu_t1 / (1.0 - s_next));
    f[2] = f32(1.0 / (1.0 - std::pow(double(o.beta_2), t)));
  }
  template <class Clip>
  static void update(const NadamOptions& o, const float* f, float lr, float* p, const float* g,
                     float* const* s, std::int64_t n, Clip clip) {
    const float b1 = o.beta_1, b2 = o.beta_2, eps = o.epsilon;
    const float one_minus_b1 = 1.f - b1, one_minus_b2 = 1.f - b2;
    const float g_factor = f[0], m_factor = f[1], v_factor = f[2];
    float* m = s[0];
    float* v = s[1];
    fused(n, kParallel, [=](std::int64_t i) {
      const float gi = clip(g[i]);
      const float mi = b1 * m[i] + one_minus_b1 * gi;
      const float vi = b2 * v[i] + one_minus_b2 * (gi * gi);
      const float m_bar = g_factor * gi + m_factor * mi;
      m[i] = mi;
      v[i] = vi;
      p[i] = p[i] - lr * m_bar / (root(vi * v_factor) + eps);
    });
  }
};

template <class O>
float decay_of(const O& o) {
  if constexpr (requires { o.decay; }) {
    return o.decay;
  } else {
    return 0.f;
  }
}

// --- the registry ---------------------------------------------------------------------------

struct Known {
  std::string_view name;
  std::string_view class_name;
  std::function<std::shared_ptr<Optimizer>(const Config&)> make;
};

template <class O>
Known known_entry() {
  return {Rule<O>::lower, Rule<O>::name, [](const Config& c) -> std::shared_ptr<Optimizer> {
            return std::make_shared<KerasOptimizer<O>>(
                kwargs::from_config<O>(c, fmt::owner(Rule<O>::name)));
          }};
}

const std::vector<Known>& known() {
  static const std::vector<Known> k = {
      known_entry<SGDOptions>(),      known_entry<RMSpropOptions>(), known_entry<AdagradOptions>(),
      known_entry<AdadeltaOptions>(), known_entry<AdamOptions>(),    known_entry<AdamaxOptions>(),
      known_entry<NadamOptions>()};
  return k;
}

const Known& find_known(std::string_view name) {
  for (const Known& k : known())
    if (k.name == name || k.class_name == name) return k;
  std::vector<std::string_view> names;
  for (const Known& k : known()) names.push_back(k.name);
  for (const Known& k : known()) names.push_back(k.class_name);
  throw ValueError(fmt::str("optimizer ", fmt::quoted(name), " is not one of ", fmt::list(names)));
}

}  // namespace

// --- KerasOptimizer ---------------------------------------------------------------------------

template <class O>
KerasOptimizer<O>::KerasOptimizer(O o)
    : Optimizer([&] {
  kwargs::validate(o, fmt::owner(Rule<O>::name));
  return Hyper{std::string(Rule<O>::name), o.lr, decay_of(o),
               /*has_decay=*/requires {o.decay; }, Rule<O>::always_counts, o.clipnorm,
                     o.clipvalue, Rule<O>::slots(o)
};
}()),
      o_(o) {}

template <class O>
std::shared_ptr<Optimizer> KerasOptimizer<O>::clone() const {
  return std::make_shared<KerasOptimizer>(*this);
}

template <class O>
void KerasOptimizer<O>::begin_step(const Step& step) {
  Rule<O>::begin(o_, step.lr_t, static_cast<double>(step.t), factors_, schedule_);
}

template <class O>
void KerasOptimizer<O>::update(float* p, const float* g, float* const* slots, std::int64_t n,
                               GradClip clip) const {
  Rule<O>::update(o_, factors_, lr(), p, g, slots, n, clip);
}

template <class O>
Config KerasOptimizer<O>::own_config() const {
  // lr (the current one), decay and the clipping are the base's.
  Config c = kwargs::to_config(o_);
  for (const char* k : {"lr", "decay", "clipnorm", "clipvalue"}) c.erase(k);
  return c;
}

template <class O>
std::vector<std::string> KerasOptimizer<O>::extra_scalar_names() const {
  if constexpr (std::is_same_v<O, NadamOptions>) return {"m_schedule"};
  return {};
}

template <class O>
Config KerasOptimizer<O>::extra_scalars() const {
  if constexpr (std::is_same_v<O, NadamOptions>) return {{"m_schedule", schedule_}};
  return Config::object();
}

template <class O>
void KerasOptimizer<O>::check_extra_scalars(const Config& scalars) const {
  if constexpr (std::is_same_v<O, NadamOptions>) {
    const Config& s = scalars.at("m_schedule");
    if (!s.is_number() || s.is_boolean() || !std::isfinite(s.get<double>()))
      fail(fmt::str("state scalar 'm_schedule' is ", fmt::repr(s), ", expected a finite number"));
  }
  (void)scalars;
}

template <class O>
void KerasOptimizer<O>::set_extra_scalars(const Config& scalars) {
  if constexpr (std::is_same_v<O, NadamOptions>) schedule_ = scalars.at("m_schedule").get<double>();
  (void)scalars;
}

template class KerasOptimizer<SGDOptions>;
template class KerasOptimizer<RMSpropOptions>;
template class KerasOptimizer<AdagradOptions>;
template class KerasOptimizer<AdadeltaOptions>;
template class KerasOptimizer<AdamOptions>;
template class KerasOptimizer<AdamaxOptions>;
template class KerasOptimizer<NadamOptions>;

// --- by name --------------------------------------------------------------------------------

std::shared_ptr<Optimizer> get(std::string_view name) { return find_known(name).make(Config()); }

std::shared_ptr<Optimizer> from_config(std::string_view class_name, const Config& config) {
  return find_known(class_name).make(config);
}

std::vector<std::string> registered_optimizer_names() {
  std::vector<std::string> out;
  for (const Known& k : known()) out.emplace_back(k.class_name);
  return out;
}

}  // namespace keel::optimizers
