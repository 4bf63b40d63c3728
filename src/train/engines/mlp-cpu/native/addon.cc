// Node-API glue of the native hidden-layer products (products.ts loads it; docs/performance.md). Compiled
// without any instruction-set flag: it runs on every x86-64 CPU and only asks which kernel set (kernels.cc,
// built once per set) this CPU can run.
//
// Exports (positional, as products.ts declares them):
//   sets(): string[]  the kernel sets this CPU runs, fastest first ("avx512", "avx2"), possibly none
//   open(memory: Uint8Array, stride, hidden, set): Products  one worker's products on the memory it shares
// A Products has mlp-cpu's HiddenLayerProducts (products.ts): kernels.as.ts's signatures, byte addresses into
// `memory`, the `w` arguments unused (the products read their own packing of the weight):
//   useHiddenWeight(w: Float32Array)  packs the hidden weight (hidden x stride); every later product reads it
//   hiddenForward(rows, n, stride, w, hidden, bias, z), inputGradient(dz, n, hidden, w, stride, out),
//   weightGradient(rows, n, stride, dz, hidden, gw)
// and PGD's linf random start (NativeProducts): randomStartLinf(state, origins, n, featureCount, eps, clip, work)
// Every address range a call names is checked against the memory (a RangeError, never a stray write).
//
// Context-aware (NAPI_MODULE_INIT, no global state): each worker thread loads it into its own environment.

#include <node_api.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "kernels.h"

namespace {

using adgap_mlp::Kernels;

struct Products {
  const Kernels *kernels;
  uint8_t *base;
  size_t bytes;
  int stride, hidden;
  napi_ref memory;
  std::vector<float> forwardPacked, gradientPacked, scratch;
  bool packed = false;
};

struct Failure {
  napi_status status;
  std::string message;
};

void check(napi_status status, const char *what) {
  if (status != napi_ok) throw Failure{status, what};
}

bool supports(const char *set) {
  __builtin_cpu_init();
  if (std::strcmp(set, "avx512") == 0) return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("fma");
  if (std::strcmp(set, "avx2") == 0) return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return false;
}

const Kernels *kernelsFor(const std::string &set) {
  if (set == "avx512" && supports("avx512")) return &adgap_mlp_avx512;
  if (set == "avx2" && supports("avx2")) return &adgap_mlp_avx2;
  return nullptr;
}

/** The call's arguments as non-negative integers (addresses, counts), and its Products. */
template <size_t N>
Products *arguments(napi_env env, napi_callback_info info, uint32_t (&out)[N]) {
  size_t argc = N;
  napi_value argv[N];
  void *data = nullptr;
  check(napi_get_cb_info(env, info, &argc, argv, nullptr, &data), "reading the arguments");
  if (argc < N) throw Failure{napi_invalid_arg, "expected " + std::to_string(N) + " arguments"};
  for (size_t i = 0; i < N; i++) {
    double value = 0;
    check(napi_get_value_double(env, argv[i], &value), "arguments are numbers");
    if (!(value >= 0 && value <= 4294967295.0) || value != static_cast<double>(static_cast<uint32_t>(value)))
      throw Failure{napi_invalid_arg, "argument " + std::to_string(i) + " is not an address or a count"};
    out[i] = static_cast<uint32_t>(value);
  }
  return static_cast<Products *>(data);
}

/** The floats at `address`, `count` of them, if they lie in the memory (4-byte aligned). */
float *floatsAt(const Products &p, uint32_t address, size_t count) {
  if (address % 4 != 0 || address + count * 4 > p.bytes)
    throw Failure{napi_invalid_arg, "address " + std::to_string(address) + " + " + std::to_string(count) +
                                        " floats lies outside the shared memory"};
  return reinterpret_cast<float *>(p.base + address);
}

/** A row list of n addresses, each of a row of stride floats inside the memory. */
const uint32_t *rowsAt(const Products &p, uint32_t address, uint32_t n) {
  const auto *rows = reinterpret_cast<const uint32_t *>(floatsAt(p, address, n));
  for (uint32_t i = 0; i < n; i++) floatsAt(p, rows[i], static_cast<size_t>(p.stride));
  return rows;
}

void expectShape(const Products &p, uint32_t stride, uint32_t hidden) {
  if (static_cast<int>(stride) != p.stride || static_cast<int>(hidden) != p.hidden)
    throw Failure{napi_invalid_arg, "stride " + std::to_string(stride) + " and hidden " + std::to_string(hidden) +
                                        " differ from those the products were opened with"};
  if (!p.packed) throw Failure{napi_generic_failure, "a product before useHiddenWeight gave the hidden weight"};
}

napi_value fail(napi_env env, const Failure &failure) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_range_error(env, nullptr, failure.message.c_str());
  return nullptr;
}

napi_value useHiddenWeight(napi_env env, napi_callback_info info) {
  try {
    size_t argc = 1;
    napi_value argv[1];
    void *self = nullptr;
    check(napi_get_cb_info(env, info, &argc, argv, nullptr, &self), "reading the arguments");
    Products &p = *static_cast<Products *>(self);
    bool isTypedArray = false;
    if (argc < 1 || napi_is_typedarray(env, argv[0], &isTypedArray) != napi_ok || !isTypedArray)
      throw Failure{napi_invalid_arg, "useHiddenWeight(w: Float32Array)"};
    napi_typedarray_type type;
    size_t length = 0;
    void *data = nullptr;
    check(napi_get_typedarray_info(env, argv[0], &type, &length, &data, nullptr, nullptr), "reading w");
    const size_t expected = static_cast<size_t>(p.hidden) * p.stride;
    if (type != napi_float32_array || length != expected)
      throw Failure{napi_invalid_arg, "w must be a Float32Array of hidden x stride = " + std::to_string(expected) +
                                          " floats"};
    p.kernels->pack(static_cast<const float *>(data), p.stride, p.hidden, p.forwardPacked.data(),
                    p.gradientPacked.data());
    p.packed = true;
    return nullptr;
  } catch (const Failure &failure) {
    return fail(env, failure);
  }
}

napi_value hiddenForward(napi_env env, napi_callback_info info) {
  try {
    uint32_t a[7];  // rows, n, stride, w, hidden, bias, z
    Products &p = *arguments(env, info, a);
    expectShape(p, a[2], a[4]);
    const uint32_t n = a[1];
    const uint32_t *rows = rowsAt(p, a[0], n);
    const float *bias = floatsAt(p, a[5], p.hidden);
    float *z = floatsAt(p, a[6], static_cast<size_t>(n) * p.hidden);
    p.kernels->forward(p.base, rows, static_cast<int>(n), p.stride, p.forwardPacked.data(), p.hidden, bias, z);
    return nullptr;
  } catch (const Failure &failure) {
    return fail(env, failure);
  }
}

napi_value inputGradient(napi_env env, napi_callback_info info) {
  try {
    uint32_t a[6];  // dz, n, hidden, w, stride, out
    Products &p = *arguments(env, info, a);
    expectShape(p, a[4], a[2]);
    const uint32_t n = a[1];
    const float *dz = floatsAt(p, a[0], static_cast<size_t>(n) * p.hidden);
    float *out = floatsAt(p, a[5], static_cast<size_t>(n) * p.stride);
    p.kernels->inputGradient(dz, static_cast<int>(n), p.hidden, p.gradientPacked.data(), p.stride, out);
    return nullptr;
  } catch (const Failure &failure) {
    return fail(env, failure);
  }
}

napi_value weightGradient(napi_env env, napi_callback_info info) {
  try {
    uint32_t a[6];  // rows, n, stride, dz, hidden, gw
    Products &p = *arguments(env, info, a);
    expectShape(p, a[2], a[4]);
    const uint32_t n = a[1];
    const uint32_t *rows = rowsAt(p, a[0], n);
    const float *dz = floatsAt(p, a[3], static_cast<size_t>(n) * p.hidden);
    float *gw = floatsAt(p, a[5], static_cast<size_t>(p.hidden) * p.stride);
    if (p.scratch.size() < static_cast<size_t>(n) * adgap_mlp::MAX_PANEL)
      p.scratch.resize(static_cast<size_t>(n) * adgap_mlp::MAX_PANEL);
    p.kernels->weightGradient(p.base, rows, static_cast<int>(n), p.stride, dz, p.hidden, gw, p.scratch.data());
    return nullptr;
  } catch (const Failure &failure) {
    return fail(env, failure);
  }
}

// src/random.ts's generator (pure-rand's xoroshiro128plus, state as getState() gives it: [s01, s00, s11, s10])
// and its uniform(), in the same integer and double arithmetic (cuda/cell.cu draws the same way). The state
// lives in registers while drawing: through memory, each draw would wait on the last one's stores.
struct Xoroshiro {
  uint32_t s01, s00, s11, s10;
  uint32_t next() {
    const uint32_t out = s00 + s10, a0 = s10 ^ s00, a1 = s11 ^ s01, old00 = s00, old01 = s01;
    s00 = (old00 << 24) ^ (old01 >> 8) ^ a0 ^ (a0 << 16);
    s01 = (old01 << 24) ^ (old00 >> 8) ^ a1 ^ ((a1 << 16) | (a0 >> 16));
    s10 = (a1 << 5) ^ (a0 >> 27);
    s11 = (a0 << 5) ^ (a1 >> 27);
    return out;
  }
  double uniform() {
    const uint32_t high = next() >> 5;
    const uint32_t low = next() >> 6;
    // Times 2^-53 rather than over 2^53: the same double exactly.
    return (high * 67108864.0 + low) * (1.0 / 9007199254740992.0);
  }
};

/**
 * randomStartLinf(state, origins, n, featureCount, eps, clip, work): random-start.ts's linf start, row by row:
 * each draw Math.fround((2u - 1) eps), added to the clean value in double, boxed to [0,1] when clip, stored as
 * float32. `state` (a Uint32Array of 4) is advanced in place.
 */
napi_value randomStartLinf(napi_env env, napi_callback_info info) {
  try {
    size_t argc = 7;
    napi_value argv[7];
    void *self = nullptr;
    check(napi_get_cb_info(env, info, &argc, argv, nullptr, &self), "reading the arguments");
    if (argc < 7) throw Failure{napi_invalid_arg, "randomStartLinf(state, origins, n, featureCount, eps, clip, work)"};
    Products &p = *static_cast<Products *>(self);
    napi_typedarray_type type;
    size_t length = 0;
    void *data = nullptr;
    bool isTypedArray = false;
    check(napi_is_typedarray(env, argv[0], &isTypedArray), "reading the state");
    if (isTypedArray) check(napi_get_typedarray_info(env, argv[0], &type, &length, &data, nullptr, nullptr), "reading the state");
    if (!isTypedArray || type != napi_uint32_array || length != 4)
      throw Failure{napi_invalid_arg, "state must be a Uint32Array of the generator's 4 words"};
    auto *words = static_cast<uint32_t *>(data);
    uint32_t origins = 0, n = 0, featureCount = 0, work = 0;
    check(napi_get_value_uint32(env, argv[1], &origins), "origins is an address");
    check(napi_get_value_uint32(env, argv[2], &n), "n is a count");
    check(napi_get_value_uint32(env, argv[3], &featureCount), "featureCount is a count");
    double eps = 0;
    check(napi_get_value_double(env, argv[4], &eps), "eps is a number");
    bool clip = false;
    check(napi_get_value_bool(env, argv[5], &clip), "clip is a boolean");
    check(napi_get_value_uint32(env, argv[6], &work), "work is an address");
    if (featureCount > static_cast<uint32_t>(p.stride))
      throw Failure{napi_invalid_arg, "featureCount exceeds the rows' stride"};
    const uint32_t *rows = rowsAt(p, origins, n);
    float *out = floatsAt(p, work, static_cast<size_t>(n) * p.stride);
    Xoroshiro random{words[0], words[1], words[2], words[3]};
    for (uint32_t i = 0; i < n; i++) {
      const float *x = reinterpret_cast<const float *>(p.base + rows[i]);
      float *row = out + static_cast<size_t>(i) * p.stride;
      for (uint32_t j = 0; j < featureCount; j++) {
        const float draw = static_cast<float>((2 * random.uniform() - 1) * eps);
        double start = static_cast<double>(x[j]) + static_cast<double>(draw);
        // Math.min(Math.max(start, 0), 1), which also turns -0 into +0.
        if (clip) start = start > 1 ? 1.0 : start > 0 ? start : 0.0;
        row[j] = static_cast<float>(start);
      }
    }
    words[0] = random.s01;
    words[1] = random.s00;
    words[2] = random.s11;
    words[3] = random.s10;
    return nullptr;
  } catch (const Failure &failure) {
    return fail(env, failure);
  }
}

napi_value sets(napi_env env, napi_callback_info) {
  try {
    napi_value list;
    check(napi_create_array(env, &list), "creating an array");
    uint32_t at = 0;
    for (const char *set : {"avx512", "avx2"}) {
      if (!supports(set)) continue;
      napi_value name;
      check(napi_create_string_utf8(env, set, NAPI_AUTO_LENGTH, &name), "creating a string");
      check(napi_set_element(env, list, at++, name), "filling an array");
    }
    return list;
  } catch (const Failure &failure) {
    return fail(env, failure);
  }
}

void release(napi_env env, void *data, void *) {
  auto *p = static_cast<Products *>(data);
  napi_delete_reference(env, p->memory);
  delete p;
}

napi_value open(napi_env env, napi_callback_info info) {
  Products *products = nullptr;
  try {
    size_t argc = 4;
    napi_value argv[4];
    check(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), "reading the arguments");
    if (argc < 4) throw Failure{napi_invalid_arg, "open(memory, stride, hidden, set)"};
    napi_typedarray_type type;
    size_t length = 0;
    void *data = nullptr;
    bool isTypedArray = false;
    check(napi_is_typedarray(env, argv[0], &isTypedArray), "reading the memory");
    if (!isTypedArray) throw Failure{napi_invalid_arg, "memory must be a Uint8Array over the shared memory"};
    check(napi_get_typedarray_info(env, argv[0], &type, &length, &data, nullptr, nullptr), "reading the memory");
    if (type != napi_uint8_array) throw Failure{napi_invalid_arg, "memory must be a Uint8Array"};
    int32_t stride = 0, hidden = 0;
    check(napi_get_value_int32(env, argv[1], &stride), "stride is a number");
    check(napi_get_value_int32(env, argv[2], &hidden), "hidden is a number");
    if (stride <= 0 || stride % 8 != 0 || hidden <= 0)
      throw Failure{napi_invalid_arg, "stride must be a positive multiple of 8 and hidden positive"};
    char set[16] = {0};
    size_t setLength = 0;
    check(napi_get_value_string_utf8(env, argv[3], set, sizeof set, &setLength), "set is a string");
    const Kernels *kernels = kernelsFor(set);
    if (kernels == nullptr) throw Failure{napi_invalid_arg, std::string("this CPU cannot run the kernel set ") + set};

    products = new Products{kernels, static_cast<uint8_t *>(data), length, stride, hidden, nullptr, {}, {}, {}};
    products->forwardPacked.resize(adgap_mlp::forwardPackedFloats(stride, hidden));
    products->gradientPacked.resize(adgap_mlp::gradientPackedFloats(stride, hidden));
    // The products keep the memory alive: they hold its address.
    check(napi_create_reference(env, argv[0], 1, &products->memory), "holding the memory");

    napi_value object;
    check(napi_create_object(env, &object), "creating the products");
    const napi_property_descriptor methods[] = {
        {"useHiddenWeight", nullptr, useHiddenWeight, nullptr, nullptr, nullptr, napi_enumerable, products},
        {"hiddenForward", nullptr, hiddenForward, nullptr, nullptr, nullptr, napi_enumerable, products},
        {"inputGradient", nullptr, inputGradient, nullptr, nullptr, nullptr, napi_enumerable, products},
        {"weightGradient", nullptr, weightGradient, nullptr, nullptr, nullptr, napi_enumerable, products},
        {"randomStartLinf", nullptr, randomStartLinf, nullptr, nullptr, nullptr, napi_enumerable, products},
    };
    check(napi_define_properties(env, object, 5, methods), "defining the products' methods");
    napi_value isa;
    check(napi_create_string_utf8(env, kernels->isa, NAPI_AUTO_LENGTH, &isa), "creating a string");
    check(napi_set_named_property(env, object, "set", isa), "naming the set");
    check(napi_wrap(env, object, products, release, nullptr, nullptr), "owning the products");
    return object;
  } catch (const Failure &failure) {
    if (products != nullptr) {
      if (products->memory != nullptr) napi_delete_reference(env, products->memory);
      delete products;
    }
    return fail(env, failure);
  }
}

}  // namespace

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor functions[] = {
      {"sets", nullptr, sets, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"open", nullptr, open, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  if (napi_define_properties(env, exports, 2, functions) != napi_ok) return nullptr;
  return exports;
}
