"""`xarxa train --model unet --decoder {transpose,nearest,bed_of_nails}` (notes 1.6.2): the
choice reaches the UNet that is trained and saved, is recorded in metrics.json and the
checkpoint, is kept by --resume (and a different one refused), and any other model refuses
the flag in one line. Tiny runs: 4 canvases, one epoch."""
import json

import pytest

from xarxa import nn
from xarxa.apps.cli import _parser, main
from xarxa.models import UNet
from xarxa.serialization import load, save
from xarxa.apps.train.tasks import model_config, model_options

TINY = ["--subset", "4", "--epochs", "1", "--batch-size", "2"]
# The layer each decoder upsamples with (notes 1.6.2), and the one it must not contain.
UPSAMPLER = {"transpose": nn.ConvTranspose2d, "nearest": nn.Upsample,
             "bed_of_nails": nn.BedOfNailsUnpool}
# The first (deepest) up-step's weight, by PyTorch's layouts with width 16: 64 -> 32
# channels; ConvTranspose2d stores (in, out, 2, 2), the conv after an unpooling
# (out, in, 3, 3) inside a Sequential (index 1).
WEIGHT = {"transpose": ("ups.0.weight", (64, 32, 2, 2)),
          "nearest": ("ups.0.1.weight", (32, 64, 3, 3)),
          "bed_of_nails": ("ups.0.1.weight", (32, 64, 3, 3))}


def train(args, capsys):
    rc = main(["train", "--no-progress", *args])
    printed = capsys.readouterr()
    return rc, printed.out, printed.err


def one_error_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("xarxa train: error: "), err
    return lines[0]


def saved_decoder(out) -> str:
    """The decoder the run in ``out`` recorded, checked to be the one its weights have."""
    metrics = json.loads((out / "metrics.json").read_text())
    ckpt = load(str(out / "checkpoint.npz"))
    decoder = metrics["config"]["decoder"]
    assert metrics["model_config"]["decoder"] == decoder
    assert ckpt["extra"]["config"]["decoder"] == decoder
    assert ckpt["extra"]["model_config"]["decoder"] == decoder
    name, shape = WEIGHT[decoder]
    assert tuple(ckpt["model"][name].shape) == shape
    model = UNet(decoder=decoder)   # built here, not from the saved model_config
    model.load_state_dict(ckpt["model"])
    kinds = {type(m) for m in model.modules()}
    assert UPSAMPLER[decoder] in kinds
    assert all(UPSAMPLER[other] not in kinds for other in UPSAMPLER if other != decoder)
    return decoder


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    """A unet run without --decoder (the default, transpose)."""
    out = tmp_path_factory.mktemp("decoder") / "default"
    assert main(["train", "--no-progress", "--model", "unet", *TINY, "--out", str(out)]) == 0
    return out


def test_the_default_decoder_is_transpose(default_run):
    assert saved_decoder(default_run) == "transpose"


# 130,043 = 117,243 (transpose, UNet's docstring) - the two ConvTranspose2d (64·32·4 + 32,
# 32·16·4 + 16: 10,288) + the two 3×3 convolutions after the unpooling (64·32·9 + 32,
# 32·16·9 + 16: 23,088).
UNPOOLING_PARAMETERS = 117_243 - 10_288 + 23_088


def test_bed_of_nails_reaches_the_trained_model(tmp_path, capsys):
    out = tmp_path / "bed_of_nails"
    rc, printed, _ = train(["--model", "unet", "--decoder", "bed_of_nails", *TINY, "--out",
                            str(out)], capsys)
    assert rc == 0
    assert f"unet on fashion-canvas: {UNPOOLING_PARAMETERS:,} parameters" in printed
    assert saved_decoder(out) == "bed_of_nails"


def test_nearest_reaches_the_model_and_resume_keeps_it(tmp_path, capsys):
    out = tmp_path / "nearest"
    rc, printed, _ = train(["--model", "unet", "--decoder", "nearest", *TINY, "--out",
                            str(out)], capsys)
    assert rc == 0
    assert f"unet on fashion-canvas: {UNPOOLING_PARAMETERS:,} parameters" in printed
    assert saved_decoder(out) == "nearest"
    first = json.loads((out / "metrics.json").read_text())
    ckpt = out / "checkpoint.npz"
    rc, _, err = train(["--resume", str(ckpt), "--epochs", "2"], capsys)   # no --decoder
    assert rc == 0, err
    second = json.loads((out / "metrics.json").read_text())
    assert second["epochs_completed"] == 2
    assert second["history"]["loss"][0] == first["history"]["loss"][0]   # a continuation
    assert saved_decoder(out) == "nearest"
    # evaluate rebuilds that decoder from the checkpoint (the transpose one would not load)
    assert main(["evaluate", "--checkpoint", str(ckpt)]) == 0
    capsys.readouterr()
    before = ckpt.read_bytes()
    rc, _, err = train(["--resume", str(ckpt), "--epochs", "3", "--decoder", "transpose"],
                       capsys)
    assert rc == 2
    assert ("was trained with --decoder nearest, this run asks for --decoder transpose"
            in one_error_line(err))
    assert ckpt.read_bytes() == before   # nothing trained or written
    # the same decoder, given again, is no clash (the run is complete: nothing to do)
    assert train(["--resume", str(ckpt), "--epochs", "2", "--decoder", "nearest"],
                 capsys)[0] == 0


def test_a_checkpoint_without_a_recorded_decoder_was_a_transpose_one(default_run, tmp_path,
                                                                     capsys):
    # As written before --decoder existed: UNet's default decoder, not recorded.
    ckpt = load(str(default_run / "checkpoint.npz"))
    del ckpt["extra"]["config"]["decoder"], ckpt["extra"]["model_config"]["decoder"]
    old = tmp_path / "old" / "checkpoint.npz"
    old.parent.mkdir()
    save(ckpt, str(old))
    rc, _, err = train(["--resume", str(old), "--epochs", "2", "--decoder", "nearest"], capsys)
    assert rc == 2
    assert ("was trained with --decoder transpose, this run asks for --decoder nearest"
            in one_error_line(err))


@pytest.mark.parametrize("model", ["segnet", "resnet", "mlp", "siamese"])
def test_other_models_refuse_the_flag_in_one_line(model, tmp_path, capsys):
    out = tmp_path / "x"
    rc, _, err = train(["--model", model, "--decoder", "nearest", "--epochs", "1",
                        "--out", str(out)], capsys)
    assert rc == 2
    assert f"--decoder applies to --model unet only, not {model}" in one_error_line(err)
    assert not out.exists()   # refused before any data was loaded or file written


@pytest.mark.parametrize("flag, value", [("--miner", "batch-hard"), ("--margin", "0.5")])
def test_siamese_flags_are_refused_by_other_models(flag, value, tmp_path, capsys):
    out = tmp_path / "x"
    rc, _, err = train(["--model", "mlp", flag, value, "--epochs", "1", "--out", str(out)],
                       capsys)
    assert rc == 2
    assert f"{flag} applies to --model siamese only, not mlp" in one_error_line(err)
    assert not out.exists()


def test_model_config_and_model_options():
    cfg = model_config("unet", (1, 64, 64), 11, [], "relu", "fashion-canvas",
                       decoder="bed_of_nails")
    assert cfg == {"num_classes": 11, "in_channels": 1, "decoder": "bed_of_nails"}
    assert model_config("unet", (1, 64, 64), 11, [], "relu")["decoder"] == "transpose"
    assert "decoder" not in model_config("segnet", (1, 64, 64), 11, [], "relu")
    assert model_options("unet", {"decoder": None}) == {"decoder": "transpose"}
    assert model_options("mlp", {"decoder": None}) == {}
    with pytest.raises(ValueError, match=r"--decoder must be one of transpose, nearest, "
                                         r"bed_of_nails, got 'bilinear'"):
        model_options("unet", {"decoder": "bilinear"})
    with pytest.raises(ValueError, match=r"--decoder applies to --model unet only, not segnet"):
        model_config("segnet", (1, 64, 64), 11, [], "relu", decoder="nearest")
    with pytest.raises(TypeError, match=r"model_config: unknown options \['decoders'\]"):
        model_config("unet", (1, 64, 64), 11, [], "relu", decoders="nearest")


def test_the_flag_and_its_help(capsys):
    assert _parser().parse_args(["train", "--decoder", "nearest"]).decoder == "nearest"
    assert _parser().parse_args(["train"]).decoder is None   # unet's default set later
    with pytest.raises(SystemExit):
        _parser().parse_args(["train", "--decoder", "bilinear"])
    assert "invalid choice: 'bilinear'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--decoder {transpose,nearest,bed_of_nails}" in help_text
    assert "unet: the decoder's ×2 upsampling" in help_text
