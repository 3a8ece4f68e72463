"""Bit-mask intrinsics for the compiled kernels (numba; imported only on that path).

A list's parties are the set bits of an int64 mask (bit ``p`` for party ``p``); the
kernels of the chain and the tally read them with LLVM's own bit counts.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

__all__ = ["lowest_bit", "popcount"]


@intrinsic
def lowest_bit(typingctx, src):
    """Trailing zero bits of a non-zero integer (LLVM ``cttz``): the lowest party of a mask."""
    if not isinstance(src, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 0))

    return src(src), codegen


@intrinsic
def popcount(typingctx, src):
    """Set bits of an integer (LLVM ``ctpop``): the parties of a mask."""
    if not isinstance(src, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return src(src), codegen
