"""Data-parallel training across processes started by ``torchrun`` (gloo on CPU, NCCL on CUDA).

torchrun sets ``RANK``, ``LOCAL_RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT``; with
``WORLD_SIZE`` unset or 1 everything here is a no-op. Gradients are averaged with all-reduce after each
backward pass (what ``DistributedDataParallel`` does, without requiring the method's steps to go through
a wrapped ``forward``); initial parameters and buffers are broadcast from rank 0.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Iterable, Optional

import torch
import torch.distributed as dist
from torch import nn


@dataclass(frozen=True)
class DistributedContext:
    """This process's place in the job."""

    rank: int = 0
    local_rank: int = 0
    world_size: int = 1

    @property
    def enabled(self) -> bool:
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this process logs and writes checkpoints."""
        return self.rank == 0


def init_distributed(device: torch.device) -> DistributedContext:
    """Join the process group torchrun describes in the environment (no-op for a single process)."""
    world_size = int(os.environ.get("WORLD_SIZE", "1"))
    if world_size <= 1:
        return DistributedContext()
    rank = int(os.environ["RANK"])
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    if not dist.is_initialized():
        backend = "nccl" if device.type == "cuda" else "gloo"
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group(backend=backend)
    return DistributedContext(rank=rank, local_rank=local_rank, world_size=world_size)


def default_device(requested: Optional[str]) -> torch.device:
    """``--device`` or, by default, this process's GPU (``cuda:LOCAL_RANK``) when CUDA is available; a bare
    ``cuda`` also means this process's GPU."""
    if requested and requested != "cuda":
        return torch.device(requested)
    if requested == "cuda" and not torch.cuda.is_available():
        raise ValueError("--device cuda: CUDA is not available on this machine")
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return torch.device("cpu")


def broadcast_module(module: nn.Module, ctx: DistributedContext) -> None:
    """Give every process rank 0's parameters and buffers."""
    if not ctx.enabled:
        return
    with torch.no_grad():
        for tensor in list(module.parameters()) + list(module.buffers()):
            dist.broadcast(tensor.data, src=0)


def average_gradients(params: Iterable[nn.Parameter], ctx: DistributedContext) -> None:
    """Replace each gradient by its mean over processes (a missing gradient counts as zeros when any
    process has one, so every process applies the same update)."""
    if not ctx.enabled:
        return
    params = [p for p in params if p.requires_grad]
    if not params:
        return
    device = params[0].device
    present = torch.tensor([p.grad is not None for p in params], dtype=torch.float32, device=device)
    dist.all_reduce(present, op=dist.ReduceOp.MAX)
    chosen = []
    for p, has in zip(params, present.tolist()):
        if has and p.grad is None:
            p.grad = torch.zeros_like(p)
        if has:
            chosen.append(p)
    if not chosen:
        return
    flat = torch.cat([p.grad.reshape(-1) for p in chosen])
    dist.all_reduce(flat)
    flat /= ctx.world_size
    offset = 0
    for p in chosen:
        n = p.grad.numel()
        p.grad.copy_(flat[offset: offset + n].view_as(p.grad))
        offset += n


def mean_over_processes(values: dict[str, float], ctx: DistributedContext, device: torch.device) -> dict[str, float]:
    """Average named scalars over processes (same keys on every process)."""
    if not ctx.enabled or not values:
        return values
    names = sorted(values)
    tensor = torch.tensor([values[n] for n in names], dtype=torch.float64, device=device)
    dist.all_reduce(tensor)
    tensor /= ctx.world_size
    return dict(zip(names, tensor.tolist()))


def any_process(flag: bool, ctx: DistributedContext, device: torch.device) -> bool:
    """Whether ``flag`` is true on at least one process."""
    if not ctx.enabled:
        return flag
    tensor = torch.tensor([1.0 if flag else 0.0], device=device)
    dist.all_reduce(tensor, op=dist.ReduceOp.MAX)
    return bool(tensor.item())


def gather_objects(obj: object, ctx: DistributedContext) -> list:
    """Every process's ``obj``, in rank order (``[obj]`` for a single process)."""
    if not ctx.enabled:
        return [obj]
    gathered: list = [None] * ctx.world_size
    dist.all_gather_object(gathered, obj)
    return gathered


def barrier(ctx: DistributedContext) -> None:
    """Wait for every process."""
    if ctx.enabled:
        dist.barrier()


def shutdown(ctx: DistributedContext) -> None:
    """Leave the process group."""
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()
