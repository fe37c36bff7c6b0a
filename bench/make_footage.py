"""Test footage that does not flatter the re-dreaming: small subjects, several at once, dark motion, a fast
blurred moving camera; built from the shared clips and written under scratch/ (git-ignored).

    python bench/make_footage.py [--media /work/shared/media] [--out scratch/footage] [--frames 36]

Clips (H.264, 25 fps, crf 23 unless told):
- small_cup.mp4, small_bunny.mp4, small_tree.mp4: the shared clips shrunk to 200 px on their long side;
  small_carphone.mp4: carphone.mp4 at its own 176 px;
- carphone_inset.mp4: carphone.mp4 shrunk to 64 px tall (a face about 35 px tall) at the right of a
  320x240 still frame of tree.avi;
- tiled.mp4: cup, carphone, bigbuckbunny and tree, each 160x120, tiled 2x2 into 320x240 (four subjects);
- dark_bunny.mp4: bigbuckbunny.mp4 at 240 px under gamma 2.5 (motion in dark regions);
- street.mp4: a fixed camera on a still 480x270 meadow (a bigbuckbunny.mp4 frame) with eight small
  walkers crossing it, two to five in view at once: carphone.mp4's talking head and bigbuckbunny.mp4's
  rabbit cut out under soft ellipses, 16-40 px wide and 40-96 px tall, some darkened, walking 2-4 px a
  frame with a bob (small people, many at once, their own motion inside);
- people.mp4: the same meadow with twelve drawn pedestrians, 15-40 px wide and 50-100 px tall, two to six
  in view at once: plain dark or muted clothes, swinging legs and arms, motion-blurred along their
  walk, crf 28 (small, many, low-texture, non-rigid, compressed: what the face cut-outs of street.mp4 are not);
- fast_pan.mp4: a synthetic vehicle camera, 320x180: a window sliding 14 px a frame (and 2 px down)
  over a frame of bigbuckbunny.mp4 enlarged to 1280 px, with a 15-px motion blur along the slide,
  a little sensor noise and crf 32 compression;
- vehicle.mp4: a harder vehicle camera, 480x270: the ground slides 30 px a frame (and 3 px down) under a
  25-px motion blur, stronger noise and crf 36, under a still, dark car roof across the bottom quarter,
  with a cut two thirds in to cup.mp4's forearm (a scene cut mid-clip).
- forward.mp4: a camera driving forward down a street, 480x270: an asphalt road with lane lines between two
  walls in perspective (bigbuckbunny.mp4 frames on them), so the picture streams out from the vanishing point, still at the
  centre and 30 px a frame at the edges, under a half-frame motion blur (eight exposures averaged), a 1-2 px
  bounce, a still dark bonnet across the bottom, noise and crf 34 (the flow field of a vehicle-mounted
  camera, which neither pan above has).
Each source is read from --start-seconds (default 0) for --frames frames.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import imageio_ffmpeg
import numpy as np

from dreamvid.io.video_reader import open_video

FPS = 25


def read(path: Path, frames: int, max_side: int | None = None, start: float = 0.0) -> list[np.ndarray]:
    """RGB uint8 frames of a clip."""
    _, reader = open_video(str(path), start=start, frames=frames, max_side=max_side)
    with reader:
        return [np.asarray(frame, np.uint8) for frame in reader]


def fitted(frame: np.ndarray, width: int, height: int) -> np.ndarray:
    """frame resized to exactly width x height (area resampling when shrinking)."""
    shrink = width < frame.shape[1]
    return cv2.resize(frame, (width, height), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)


def write(path: Path, frames: list[np.ndarray], crf: int = 23) -> None:
    """H.264 clip of RGB uint8 frames (even sizes)."""
    height, width = frames[0].shape[:2]
    writer = imageio_ffmpeg.write_frames(str(path), (width, height), fps=FPS, codec="libx264", quality=None,
                                         pix_fmt_out="yuv420p", output_params=["-crf", str(crf)],
                                         macro_block_size=2)
    writer.send(None)
    for frame in frames:
        writer.send(np.ascontiguousarray(frame, dtype=np.uint8))
    writer.close()
    print(f"wrote {path}: {len(frames)} frames at {width}x{height}")


def even(frames: list[np.ndarray]) -> list[np.ndarray]:
    """Frames cropped to even sides (yuv420p needs them)."""
    height, width = frames[0].shape[:2]
    return [frame[: height - height % 2, : width - width % 2] for frame in frames]


def inset(small: list[np.ndarray], background: np.ndarray, top: int, left: int) -> list[np.ndarray]:
    """Each small frame pasted at (top, left) over the same still background."""
    out = []
    for frame in small:
        canvas = background.copy()
        canvas[top : top + frame.shape[0], left : left + frame.shape[1]] = frame
        out.append(canvas)
    return out


def tiled(clips: list[list[np.ndarray]], width: int, height: int) -> list[np.ndarray]:
    """Four clips, each fitted to width x height, tiled 2x2 (the shortest sets the length)."""
    count = min(len(clip) for clip in clips)
    out = []
    for index in range(count):
        cells = [fitted(clip[index], width, height) for clip in clips]
        out.append(np.vstack([np.hstack(cells[:2]), np.hstack(cells[2:])]))
    return out


def darkened(frames: list[np.ndarray], gamma: float) -> list[np.ndarray]:
    """Frames under a gamma curve (above 1 darkens the mid and dark tones)."""
    table = np.round(255.0 * (np.arange(256) / 255.0) ** gamma).astype(np.uint8)
    return [table[frame] for frame in frames]


def fast_pan(scene: np.ndarray, frames: int, width: int, height: int, speed: float, drift: float,
             blur: int, seed: int = 0) -> list[np.ndarray]:
    """A window sliding over `scene` at speed px (and drift px down) a frame, blurred along the motion
    by a `blur`-px line kernel, with Gaussian noise of 3 levels (the compression adds the rest)."""
    rng = np.random.default_rng(seed)
    kernel = np.zeros((blur, blur), np.float32)
    angle = np.arctan2(drift, speed)
    centre = (blur - 1) / 2
    for step in np.linspace(-centre, centre, 4 * blur):
        kernel[int(round(centre + step * np.sin(angle))), int(round(centre + step * np.cos(angle)))] = 1.0
    kernel /= kernel.sum()
    blurred = cv2.filter2D(scene.astype(np.float32), -1, kernel, borderType=cv2.BORDER_REFLECT)
    out = []
    for index in range(frames):
        left, top = 8.0 + speed * index, 8.0 + drift * index
        move = np.float32([[1, 0, -left], [0, 1, -top]])
        frame = cv2.warpAffine(blurred, move, (width, height), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
        frame += rng.normal(0.0, 3.0, frame.shape).astype(np.float32)
        out.append(np.clip(frame, 0, 255).astype(np.uint8))
    return out


def street(background: np.ndarray, sources: list[list[np.ndarray]], frames: int, seed: int = 1) -> list[np.ndarray]:
    """Small walkers crossing a still background: each a source clip's frames cut out under a soft
    ellipse, sized 16-40 x 40-96 px, entering from either side at staggered times, walking 2-4 px a
    frame with a 2-px bob (some already in view at the start), every third one darkened to half its brightness."""
    rng = np.random.default_rng(seed)
    height, width = background.shape[:2]
    walkers = []
    for index in range(8):
        w, h = int(rng.integers(16, 41)), int(rng.integers(40, 97))
        speed = float(rng.uniform(2.0, 4.0)) * (1 if index % 2 == 0 else -1)
        enter = int(rng.integers(-2 * frames, max(1, frames // 2)))
        x0 = -w if speed > 0 else width
        y = int(rng.integers(height // 3, height - h - 4))
        yy, xx = np.mgrid[0:h, 0:w]
        mask = ((((yy - (h - 1) / 2) / (h / 2)) ** 2 + ((xx - (w - 1) / 2) / (w / 2)) ** 2) <= 1).astype(np.float32)
        mask = cv2.GaussianBlur(mask, (0, 0), 1.2)[..., None]
        walkers.append((sources[index % len(sources)], w, h, speed, enter, x0, y, mask, 0.5 if index % 3 == 2 else 1.0))
    out = []
    for t in range(frames):
        canvas = background.astype(np.float32).copy()
        for source, w, h, speed, enter, x0, y, mask, light in walkers:
            if t < enter:
                continue
            x = x0 + speed * (t - enter)
            top = int(round(y + 2 * np.sin(0.6 * (t - enter))))
            left = int(round(x))
            sprite = fitted(source[t % len(source)], w, h).astype(np.float32) * light
            if speed < 0:
                sprite = sprite[:, ::-1]
            lo, hi = max(0, left), min(width, left + w)
            if hi <= lo:
                continue
            piece, alpha = sprite[:, lo - left: hi - left], mask[:, lo - left: hi - left]
            region = canvas[top: top + h, lo:hi]
            canvas[top: top + h, lo:hi] = region * (1 - alpha) + piece * alpha
        out.append(np.clip(canvas, 0, 255).astype(np.uint8))
    return out


def pedestrian(height: int, phase: float, colours: tuple) -> tuple[np.ndarray, np.ndarray]:
    """An RGB float sprite and its alpha (h, w, 1) of a walking figure `height` px tall, drawn with
    legs and arms swung by `phase` (radians): head, torso, two legs, two arms."""
    width = max(15, int(height * 0.4))
    canvas = np.zeros((height, width, 3), np.float32)
    alpha = np.zeros((height, width), np.float32)
    skin, shirt, trousers = colours
    head = max(3, height // 9)
    centre = width // 2
    hip = int(height * 0.55)
    leg = height - hip - 1
    thickness = max(2, width // 5)
    for side in (-1, 1):  # legs and arms, swinging in opposition
        swing = side * 0.45 * np.sin(phase)
        foot = (int(centre + leg * np.sin(swing)), int(hip + leg * np.cos(swing)))
        for image, value in ((canvas, trousers), (alpha, 1.0)):
            cv2.line(image, (centre, hip), foot, value if image is alpha else tuple(map(float, value)), thickness)
        hand = (int(centre - 0.3 * height * np.sin(swing)), int(2 * head + 0.3 * height * np.cos(swing)))
        for image, value in ((canvas, shirt), (alpha, 1.0)):
            cv2.line(image, (centre, 2 * head + 2), hand, value if image is alpha else tuple(map(float, value)),
                     max(1, thickness - 1))
    for image, value in ((canvas, shirt), (alpha, 1.0)):
        cv2.ellipse(image, (centre, (2 * head + hip) // 2 + 1), (max(2, width // 4), max(3, (hip - 2 * head) // 2 + 1)),
                    0, 0, 360, value if image is alpha else tuple(map(float, value)), -1)
    for image, value in ((canvas, skin), (alpha, 1.0)):
        cv2.circle(image, (centre, head + 1), head, value if image is alpha else tuple(map(float, value)), -1)
    return canvas, alpha[..., None]


def people(background: np.ndarray, frames: int, count: int = 12, seed: int = 4) -> list[np.ndarray]:
    """`count` pedestrians walking across a still background at 1.5-4 px a frame, either way, some in
    view from the start, each blurred along its walk by its own speed."""
    rng = np.random.default_rng(seed)
    height, width = background.shape[:2]
    walkers = []
    for _ in range(count):
        tall = int(rng.integers(50, 101))
        speed = float(rng.uniform(1.5, 4.0)) * rng.choice([-1, 1])
        enter = int(rng.integers(-3 * frames, frames // 2))
        y = int(rng.integers(height // 4, height - tall - 2))
        skin = tuple(float(v) for v in rng.uniform(90, 210) * np.array([1.0, 0.8, 0.65]))
        shirt = tuple(float(v) for v in rng.uniform(15, 120, 3))
        trousers = tuple(float(v) for v in rng.uniform(10, 70, 3))
        walkers.append((tall, speed, enter, y, (skin, shirt, trousers), float(rng.uniform(0, 6.3))))
    out = []
    for t in range(frames):
        canvas = background.astype(np.float32).copy()
        for tall, speed, enter, y, colours, phase0 in walkers:
            sprite, alpha = pedestrian(tall, phase0 + 0.5 * abs(speed) * (t - enter) / 3.0, colours)
            w = sprite.shape[1]
            left = int(round((-w if speed > 0 else width) + speed * (t - enter)))
            blur = max(1, int(round(abs(speed))))
            kernel = np.full((1, blur), 1.0 / blur, np.float32)
            sprite = cv2.filter2D(sprite * alpha, -1, kernel)
            alpha = cv2.filter2D(alpha[..., 0], -1, kernel)[..., None]
            lo, hi = max(0, left), min(width, left + w)
            if hi <= lo:
                continue
            piece, a = sprite[:, lo - left: hi - left], alpha[:, lo - left: hi - left]
            region = canvas[y: y + tall, lo:hi]
            canvas[y: y + tall, lo:hi] = region * (1 - a) + piece
        out.append(np.clip(canvas, 0, 255).astype(np.uint8))
    return out


def vehicle(scene: np.ndarray, after_cut: list[np.ndarray], frames: int, width: int = 480,
            height: int = 270) -> list[np.ndarray]:
    """A fast, blurred pan under a still car roof (a dark band across the bottom quarter, with a
    highlight), cutting to `after_cut` (fitted to the frame) two thirds in."""
    cut = (2 * frames) // 3
    pan = fast_pan(scene, cut, width, height, speed=30.0, drift=3.0, blur=25, seed=2)
    roof_top = (3 * height) // 4
    rows = np.linspace(0.0, 1.0, height - roof_top, dtype=np.float32)[:, None, None]
    roof = (38.0 + 30.0 * np.exp(-((rows - 0.3) / 0.08) ** 2)) * np.ones((1, width, 3), np.float32)
    rng = np.random.default_rng(3)
    out = []
    for frame in pan:
        frame = frame.astype(np.float32)
        frame[roof_top:] = roof + rng.normal(0.0, 4.0, roof.shape)
        frame += rng.normal(0.0, 2.0, frame.shape)
        out.append(np.clip(frame, 0, 255).astype(np.uint8))
    out += [fitted(frame, width, height) for frame in after_cut[: frames - cut]]
    return out


def street_view(ground: np.ndarray, wall: np.ndarray, sky: np.ndarray, travelled: float, width: int,
                height: int, horizon: float, half_width: float = 4.0, eye: float = 1.5, wall_height: float = 8.0,
                depth: float = 60.0, texels: float = 40.0) -> np.ndarray:
    """One float32 view down a street: a camera `eye` m above a ground `2 * half_width` m wide between two
    walls `wall_height` m tall, `travelled` m along it; the ground and the walls tile their textures at
    `texels` px a metre, fog fades them into `sky` (fitted to the frame) towards `depth` m."""
    focal = 0.8 * width
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    u, v = xs - width / 2.0, ys - horizon
    with np.errstate(divide="ignore", invalid="ignore"):
        ground_z = np.where(v > 0, focal * eye / v, np.inf)
        wall_z = np.where(np.abs(u) > 0, focal * half_width / np.abs(u), np.inf)
        wall_y = v * wall_z / focal  # metres below the eye where the ray meets the wall
        wall_z = np.where(wall_y > eye - wall_height, wall_z, np.inf)  # over the wall's top: sky
    on_wall = wall_z < ground_z
    z = np.minimum(np.minimum(ground_z, wall_z), depth)
    ground_x = (u * z / focal + half_width) * texels
    ground_y = (z + travelled) * texels
    wall_x = (z + travelled) * texels
    wall_row = (wall_y - (eye - wall_height)) * texels
    view = np.empty((height, width, 3), np.float32)
    for texture, mask, map_x, map_y in ((ground, ~on_wall, ground_x, ground_y), (wall, on_wall, wall_x, wall_row)):
        map_x, map_y = (np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0) for values in (map_x, map_y))
        sampled = cv2.remap(texture, np.mod(map_x, texture.shape[1]).astype(np.float32),
                            np.mod(map_y, texture.shape[0]).astype(np.float32), cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_WRAP)
        view[mask] = sampled[mask]
    fog = np.clip(z / depth, 0.0, 1.0)[..., None] ** 1.5
    return view * (1.0 - fog) + fitted(sky, width, height).astype(np.float32) * fog


def asphalt(size: int = 640, seed: int = 7) -> np.ndarray:
    """A size x size RGB uint8 road texture (16 m square at 40 px a metre): grey grain over blotches, a white
    edge line at each side of an 8-m road (texture columns 12-20 and 300-308) and a dashed centre line."""
    rng = np.random.default_rng(seed)
    grain = rng.normal(0.0, 14.0, (size, size)).astype(np.float32)
    blotches = cv2.GaussianBlur(rng.normal(0.0, 1.0, (size, size)).astype(np.float32), (0, 0), 10) * 120.0
    road = np.repeat((85.0 + grain + blotches)[..., None], 3, axis=2)
    centre = size // 4
    for start in range(0, size, 160):
        road[start : start + 110, centre - 6 : centre + 6] = 215.0 + rng.normal(0.0, 6.0, (110, 12, 1))
    road[:, 12:20] = 200.0
    road[:, 300:308] = 200.0
    return np.clip(road, 0, 255).astype(np.uint8)


def forward(ground: np.ndarray, wall: np.ndarray, sky: np.ndarray, frames: int, width: int = 480,
            height: int = 270, speed: float = 0.8, exposures: int = 8, seed: int = 4) -> list[np.ndarray]:
    """A camera driving `speed` m a frame down a street (see street_view), rendered at twice the size and
    shrunk (no aliasing far off), each frame the mean of `exposures` views over half a frame's travel (the
    motion blur of a 1/50 s shutter), bounced 1-2 px, under a still dark bonnet across the bottom eighth."""
    rng = np.random.default_rng(seed)
    ground, wall, sky = (image.astype(np.float32) for image in (ground, wall, sky))
    bonnet_top = height - height // 8
    rows = np.linspace(0.0, 1.0, height - bonnet_top, dtype=np.float32)[:, None, None]
    bonnet = (30.0 + 40.0 * np.exp(-((rows - 0.25) / 0.1) ** 2)) * np.ones((1, width, 3), np.float32)
    out = []
    for index in range(frames):
        horizon = 2 * (0.42 * height + 1.5 * np.sin(1.3 * index))
        shots = [street_view(ground, wall, sky, speed * (index + 0.5 * shot / exposures), 2 * width, 2 * height,
                             horizon) for shot in range(exposures)]
        frame = cv2.resize(np.mean(shots, axis=0), (width, height), interpolation=cv2.INTER_AREA)
        frame[bonnet_top:] = bonnet
        frame += rng.normal(0.0, 3.0, frame.shape).astype(np.float32)
        out.append(np.clip(frame, 0, 255).astype(np.uint8))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--media", default="/work/shared/media")
    parser.add_argument("--out", default="scratch/footage")
    parser.add_argument("--frames", type=int, default=36)
    parser.add_argument("--start-seconds", type=float, default=0.0)
    args = parser.parse_args()
    media, out, count = Path(args.media), Path(args.out), args.frames
    if "samples" in out.resolve().parts:
        raise SystemExit("make_footage: error: footage goes under scratch/, never into samples/")
    out.mkdir(parents=True, exist_ok=True)
    start = args.start_seconds

    cup = read(media / "cup.mp4", count, 200, start)
    bunny = read(media / "bigbuckbunny.mp4", count, 200, start)
    tree = read(media / "tree.avi", count, 200, start)
    carphone = read(media / "carphone.mp4", count, None, start)
    write(out / "small_cup.mp4", even(cup))
    write(out / "small_bunny.mp4", even(bunny))
    write(out / "small_tree.mp4", even(tree))
    write(out / "small_carphone.mp4", even(carphone))

    background = fitted(read(media / "tree.avi", 1)[0], 320, 240)
    small_carphone = [fitted(frame, 78, 64) for frame in carphone]
    write(out / "carphone_inset.mp4", inset(small_carphone, background, top=120, left=210))

    write(out / "tiled.mp4", tiled([cup, carphone, bunny, tree], 160, 120))

    write(out / "dark_bunny.mp4", even(darkened(read(media / "bigbuckbunny.mp4", count, 240, start), 2.5)))

    meadow = fitted(read(media / "bigbuckbunny.mp4", 1, None, 1.0)[0], 480, 270)
    faces = [frame[8:136, 40:136] for frame in carphone]
    rabbit = [frame[30:230, 10:230] for frame in read(media / "bigbuckbunny.mp4", count, 360, 1.0)]
    write(out / "street.mp4", street(meadow, [faces, rabbit], max(count, 40)))
    write(out / "people.mp4", people(meadow, max(count, 40)), crf=28)

    scene = fitted(read(media / "bigbuckbunny.mp4", 1, None, 2.0)[0], 1280, 720)
    write(out / "fast_pan.mp4", fast_pan(scene, count, 320, 180, speed=14.0, drift=2.0, blur=15), crf=32)
    road = fitted(read(media / "bigbuckbunny.mp4", 1, None, 3.0)[0], 1920, 1080)
    write(out / "vehicle.mp4", vehicle(road, read(media / "cup.mp4", count, None, start), count), crf=36)
    facade = fitted(read(media / "bigbuckbunny.mp4", 1, None, 4.5)[0], 1280, 640)
    sky = read(media / "bigbuckbunny.mp4", 1, None, 1.0)[0]
    write(out / "forward.mp4", forward(asphalt(), facade, sky, count), crf=34)


if __name__ == "__main__":
    main()
