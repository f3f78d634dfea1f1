"""nestlab.plots: the suite style and headless rendering of interactive sections."""

import ipywidgets as widgets
import matplotlib

from nestlab import plots

matplotlib.use("Agg")


def test_figure_applies_style_and_grid_size():
    fig, axes = plots.figure(2, 3)
    assert axes.shape == (2, 3)
    assert matplotlib.rcParams["axes.spines.top"] is False
    w, h = fig.get_size_inches()
    assert w > h > 0
    matplotlib.pyplot.close(fig)


def test_interactive_headless_calls_once_with_defaults(monkeypatch, capsys):
    monkeypatch.setenv(plots.HEADLESS_ENV_VAR, "1")
    calls = []
    out = plots.interactive(lambda a, b, c: calls.append((a, b, c)) or "done",
                            a=widgets.IntSlider(value=4, min=0, max=9), b=["x", "y"], c=(0.0, 2.0, 0.5))
    assert out == "done"
    assert calls == [(4, "x", 1.0)]
    assert "controls: a, b, c" in capsys.readouterr().out


def test_interactive_live_returns_widget(monkeypatch):
    monkeypatch.delenv(plots.HEADLESS_ENV_VAR, raising=False)
    assert not plots.is_headless()
    res = plots.interactive(lambda a: a, a=(0, 10))
    assert hasattr(res, "widget") or isinstance(res, widgets.Widget) or callable(res)
