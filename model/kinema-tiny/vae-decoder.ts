// VAE decoder: latent [B, 4, t, h, w] -> frames [B, 3, 4t, 8h, 8w] in [-1, 1]. Frames are folded into
// the batch so plain 2D convolutions do the work; time is upsampled x4 at the latent resolution (a conv
// to 4x channels, read back as 4 frames: depth-to-time), where it is cheapest, then three
// (nearest x2 + 3x3 conv) stages reach pixel resolution, and Tanh bounds the output.
import { GraphBuilder, dimsOf, encodeModel, hashSeed, reshape, shapeFrom, silu } from "../../src/engine/onnx/index.js";
import { LATENT_CHANNELS, SEED, VAE, VERSION } from "./config.js";

/** 3x3 (or kxk) convolution with "same" padding; He-scaled init keeps SiLU stacks near unit scale. */
function conv(g: GraphBuilder, x: string, cin: number, cout: number, gain = Math.SQRT2): string {
  const w = g.weight("weight", [cout, cin, 3, 3], gain / Math.sqrt(cin * 9));
  const b = g.weight("bias", [cout], 0.02);
  return g.op1("Conv", [x, w, b], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
}

function upsample2x(g: GraphBuilder, x: string): string {
  return g.op1("Resize", [x, "", g.constant("float32", [1, 1, 2, 2])], {
    mode: "nearest",
    coordinate_transformation_mode: "asymmetric",
    nearest_mode: "floor",
  });
}

export function buildVaeDecoder(): Uint8Array {
  const g = new GraphBuilder("kinema_tiny_vae_decoder", hashSeed(SEED, "vae_decoder"));
  const [c0, c1, c2, c3] = VAE.channels;
  const latent = g.input(VAE.input, "float32", ["batch", LATENT_CHANNELS, "latent_frames", "latent_height", "latent_width"]);
  const batch = dimsOf(g, latent, 0);
  const hw = dimsOf(g, latent, 3, 4);

  // [B, C, t, h, w] -> [B*t, C, h, w]
  let x = reshape(g, g.op1("Transpose", [latent], { perm: [0, 2, 1, 3, 4] }), shapeFrom(g, -1, LATENT_CHANNELS, hw));
  x = g.scoped("conv_in", () => silu(g, conv(g, x, LATENT_CHANNELS, c0)));
  // Depth-to-time: [B*t, 4*c0, h, w] -> [B*t*4, c0, h, w]; channel k*c0 + c becomes channel c of sub-frame k.
  x = g.scoped("time_up", () => silu(g, reshape(g, conv(g, x, c0, VAE.temporal * c0), shapeFrom(g, -1, c0, hw))));
  const stages: [number, number][] = [[c0, c1], [c1, c2], [c2, c3]];
  stages.forEach(([cin, cout], i) => {
    x = g.scoped(`up${i}`, () => silu(g, conv(g, upsample2x(g, x), cin, cout)));
  });
  x = g.scoped("conv_out", () => g.op1("Tanh", [conv(g, x, c3, 3, 2)]));

  // [B*T, 3, H, W] -> [B, 3, T, H, W]
  const frames = reshape(g, x, shapeFrom(g, batch, -1, 3, dimsOf(g, x, 2, 3)));
  const out = g.op1("Transpose", [frames], { perm: [0, 2, 1, 3, 4] });
  g.output(out, VAE.output, "float32", ["batch", 3, "frames", "height", "width"]);
  return encodeModel(g, {
    producerVersion: VERSION,
    docString: "kinema-tiny VAE decoder: seeded, untrained weights.",
  });
}
