// The vector helpers both wasm engines' kernels use (linear-cpu/kernels.as.ts, mlp-cpu/kernels.as.ts): each
// kernels file imports them and is compiled on its own, and the optimiser inlines them (both kernels.wasm stayed
// byte for byte what they were when each file held its own copy). Only an entry file's exports leave the wasm
// module, so no v128 crosses to JavaScript: asconfig.json silences asc's warning (AS112) that exporting these
// could.

// pmin/pmax are the x86 minps/maxps: min/max with NaN semantics cost V8 several instructions each, and neither
// data nor steps are ever NaN.
export function boxed(value: v128, low: v128, high: v128): v128 {
  return f32x4.pmin(f32x4.pmax(value, low), high);
}

/** The sum of four float32 lanes in float64, pairwise in a fixed order. */
export function laneSum(lanes: v128): f64 {
  return (
    <f64>f32x4.extract_lane(lanes, 0) +
    <f64>f32x4.extract_lane(lanes, 1) +
    (<f64>f32x4.extract_lane(lanes, 2) + <f64>f32x4.extract_lane(lanes, 3))
  );
}
