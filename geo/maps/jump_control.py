"""A row of buttons on the map that frame Alaska, Hawaii, Puerto Rico or the Lower 48.

The buttons move the map in the browser (Leaflet's fitBounds): no rerun, and the map's
address and customer counts follow its new position as after any pan. Only the fixed
region names and boxes of geo.maps.framing reach the page, never data.
"""

from __future__ import annotations

from collections.abc import Sequence

from branca.element import MacroElement
from jinja2 import Template

from geo.maps.framing import Region


class JumpControl(MacroElement):
    """ "Jump to" buttons, one per region, on the map's top right."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .geocrm-jump {display: flex; align-items: center; gap: 0; background: #ffffff;
            font: 13px/1 sans-serif; color: #222222}
        .geocrm-jump span {padding: 0 6px 0 8px}
        .leaflet-bar.geocrm-jump a {width: auto; padding: 0 8px; line-height: 28px;
            height: 28px; border-bottom: none; border-left: 1px solid #cccccc;
            font: 13px/28px sans-serif; color: #222222}
        .leaflet-bar.geocrm-jump a:last-child {border-radius: 0 4px 4px 0}
        /* A phone's map is too narrow for one row beside the zoom buttons: two rows. */
        @media (max-width: 520px) {
            .geocrm-jump {flex-wrap: wrap; max-width: 190px; justify-content: flex-end}
            .geocrm-jump span {display: none}
            .leaflet-bar.geocrm-jump a {border-top: 1px solid #cccccc}
        }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }}, regions = {{ this.regions|tojson }};
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = L.DomUtil.create("div", "leaflet-bar geocrm-jump");
                L.DomUtil.create("span", "", div).textContent = "Jump to";
                regions.forEach(function (r) {
                    var a = L.DomUtil.create("a", "", div);
                    a.href = "#";
                    a.textContent = r[0];
                    a.title = "Show " + r[0];
                    a.setAttribute("role", "button");
                    L.DomEvent.on(a, "click", function (e) {
                        L.DomEvent.stop(e);
                        map.fitBounds([[r[1], r[2]], [r[3], r[4]]]);
                    });
                });
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            control.addTo(map);
        })();
        {% endmacro %}
        """
    )

    def __init__(self, regions: Sequence[Region], position: str = "topright") -> None:
        super().__init__()
        self._name = "JumpControl"
        self.position = position  # a Leaflet corner: topright, topleft, bottomright ...
        self.regions = [[r.name, *r.box] for r in regions]
