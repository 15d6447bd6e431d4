;; HueDB's brute-force distance kernel (see flat-kernel.ts): one query against n rows of a
;; float32 block, four lanes at a time (WebAssembly SIMD). Rows are `stride` floats apart,
;; stride a multiple of 4, the padding zeros (zeros add nothing to either sum). Writes one
;; float32 per row to `out`. Compiled to flat-kernel.wasm.ts by scripts/build-kernel.ts.
(module
  (memory (export "memory") 1)

  ;; out[r] = Σ (q[i] − row_r[i])²
  (func (export "l2") (param $q i32) (param $rows i32) (param $n i32) (param $stride i32) (param $out i32)
    (local $r i32) (local $i i32) (local $row i32) (local $end i32) (local $acc v128) (local $d v128)
    (local.set $r (i32.const 0))
    (local.set $row (local.get $rows))
    (block $done
      (loop $rowloop
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (local.set $end (i32.shl (local.get $stride) (i32.const 2)))
        (block $rowdone
          (loop $lane
            (br_if $rowdone (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $d
              (f32x4.sub
                (v128.load (i32.add (local.get $q) (local.get $i)))
                (v128.load (i32.add (local.get $row) (local.get $i)))))
            (local.set $acc (f32x4.add (local.get $acc) (f32x4.mul (local.get $d) (local.get $d))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $lane)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $row (i32.add (local.get $row) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowloop))))

  ;; out[r] = Σ q[i] · row_r[i]
  (func (export "dot") (param $q i32) (param $rows i32) (param $n i32) (param $stride i32) (param $out i32)
    (local $r i32) (local $i i32) (local $row i32) (local $end i32) (local $acc v128)
    (local.set $r (i32.const 0))
    (local.set $row (local.get $rows))
    (block $done
      (loop $rowloop
        (br_if $done (i32.ge_u (local.get $r) (local.get $n)))
        (local.set $acc (v128.const f32x4 0 0 0 0))
        (local.set $i (i32.const 0))
        (local.set $end (i32.shl (local.get $stride) (i32.const 2)))
        (block $rowdone
          (loop $lane
            (br_if $rowdone (i32.ge_u (local.get $i) (local.get $end)))
            (local.set $acc
              (f32x4.add
                (local.get $acc)
                (f32x4.mul
                  (v128.load (i32.add (local.get $q) (local.get $i)))
                  (v128.load (i32.add (local.get $row) (local.get $i))))))
            (local.set $i (i32.add (local.get $i) (i32.const 16)))
            (br $lane)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (f32.add
            (f32.add (f32x4.extract_lane 0 (local.get $acc)) (f32x4.extract_lane 1 (local.get $acc)))
            (f32.add (f32x4.extract_lane 2 (local.get $acc)) (f32x4.extract_lane 3 (local.get $acc)))))
        (local.set $row (i32.add (local.get $row) (local.get $end)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $rowloop)))))
