//===- NNInterfaces.td - questions graph passes ask of ops -*- tablegen -*-===//

#ifndef KILN_NN_INTERFACES
#define KILN_NN_INTERFACES

include "mlir/IR/OpBase.td"

def NN_QuantizableOpInterface : OpInterface<"QuantizableOpInterface"> {
  let cppNamespace = "::kiln::nn";
  let description = [{
    A layer that has an INT8 implementation: with its inputs dequantized
    (`nn.dequantize`) and its result quantized, the Q/DQ fusion pass may absorb
    them so that the layer reads and writes quantized tensors itself.
  }];
  let methods = [
    InterfaceMethod<"Whether this instance can run on quantized tensors.",
      "bool", "isQuantizable", (ins), [{}],
      /*defaultImplementation=*/[{ return true; }]>,
    InterfaceMethod<[{
        Operands that must be quantized for the layer to run in INT8 (a conv's
        input and filter, not its bias).
      }],
      "::llvm::SmallVector<::mlir::OpOperand *>", "getQuantizedOperands", (ins),
      [{}], /*defaultImplementation=*/[{
        ::llvm::SmallVector<::mlir::OpOperand *> operands;
        for (::mlir::OpOperand &operand : $_op->getOpOperands())
          operands.push_back(&operand);
        return operands;
      }]>,
  ];
}

def NN_QuantCommutingOpInterface : OpInterface<"QuantCommutingOpInterface"> {
  let cppNamespace = "::kiln::nn";
  let description = [{
    A layer that commutes with quantization: applying it to quantized values
    and dequantizing gives the same result as dequantizing first, so a
    dequantize may move forward through it and a quantize backward (max-pool,
    reshape, transpose, slice, concat of equal scales, …). Layers whose
    function is not monotonic and scale-free (sigmoid, softmax, div) must not
    implement this.
  }];
  let methods = [
    InterfaceMethod<"Whether this instance commutes with quantization.",
      "bool", "commutesWithQuantization", (ins), [{}],
      /*defaultImplementation=*/[{ return true; }]>,
  ];
}

def NN_PointwiseOpInterface : OpInterface<"PointwiseOpInterface"> {
  let cppNamespace = "::kiln::nn";
  let description = [{
    A layer that computes each result element from the operand elements at
    the same (broadcast) index, with no state across elements. Chains of such
    layers fuse into one generated kernel.
  }];
  let methods = [
    InterfaceMethod<[{
        Whether the layer is an activation that a conv or gemm epilogue can
        absorb; returns the attribute describing it, or null.
      }],
      "::kiln::nn::ActivationAttr", "getAsActivation", (ins), [{}],
      /*defaultImplementation=*/[{ return {}; }]>,
  ];
}

def NN_LayoutSensitiveOpInterface : OpInterface<"LayoutSensitiveOpInterface"> {
  let cppNamespace = "::kiln::nn";
  let description = [{
    A layer whose meaning depends on which dimension holds the channels
    (convolution, pooling, normalizations). A layout pass may change its
    `layout` attribute and permute its operands to match.
  }];
  let methods = [
    InterfaceMethod<"The layout the layer's activations are in.",
      "::kiln::nn::Layout", "getDataLayout", (ins), [{}],
      /*defaultImplementation=*/[{ return $_op.getLayout(); }]>,
    InterfaceMethod<"The channel dimension of activations of rank `rank`.",
      "int64_t", "getChannelAxis", (ins "int64_t":$rank), [{}],
      /*defaultImplementation=*/[{
        return $_op.getLayout() == ::kiln::nn::Layout::channels_last ? rank - 1 : 1;
      }]>,
  ];
}

#endif // KILN_NN_INTERFACES
