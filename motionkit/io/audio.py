"""Copy the audio track of one media file into a video file (ffmpeg, no re-encoding of the video)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Union

from ..errors import InputError
from .atomic import atomic_file
from .ffmpeg import probe, run_ffmpeg
from .video_reader import check_readable_file


def mux_audio(
    video: Union[str, os.PathLike], audio_source: Union[str, os.PathLike], output: Union[str, os.PathLike]
) -> Path:
    """Write ``output``: the video stream of ``video`` with the first audio track of ``audio_source``.

    The video is copied as is (every frame kept); audio is encoded to AAC and cut to the video's length. ``output`` is
    written atomically (``output`` may equal ``video``). Raises ``InputError`` naming ``audio_source``
    if it has no audio track.
    """
    video = check_readable_file(video)
    audio_source = check_readable_file(audio_source)
    output = Path(output)
    if output.suffix.lower() == ".gif":
        raise InputError(f"{output}: GIF files cannot carry audio")
    if not _has_audio(audio_source):
        raise InputError(f"{audio_source}: has no audio track to copy")
    # cut the audio input to the video's duration rather than using -shortest, which can drop the last frame
    duration = probe(video).duration
    audio_limit = ["-t", f"{duration:.6f}"] if duration > 0 else []
    with atomic_file(output) as temp:
        run_ffmpeg(
            [
                "-y", "-i", str(video), *audio_limit, "-i", str(audio_source),
                "-map", "0:v:0", "-map", "1:a:0", "-c:v", "copy", "-c:a", "aac",
                "-movflags", "+faststart", str(temp),
            ],
            f"{video} + audio of {audio_source}",
        )
    return output


def _has_audio(path: Path) -> bool:
    try:
        return probe(path).has_audio
    except InputError as error:
        if "no video stream" in str(error):  # an audio-only file is a fine audio source
            return True
        raise
