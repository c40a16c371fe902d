// A place question's optional map: the release's areas (from its map data, no tile server).
// A tap inside an area chooses that area in the list beside the map and keeps the point in the
// question's hidden latitude and longitude; choosing from the list removes the point. Without
// script the picker stays hidden and the list alone answers the question; the server checks
// that a point sent lies inside the area chosen.
async function start(picker) {
  const L = window.L;
  const select = document.getElementById(picker.dataset.select);
  const latitude = document.getElementById(`${picker.dataset.select}_lat`);
  const longitude = document.getElementById(`${picker.dataset.select}_lng`);
  const response = await fetch(picker.dataset.geometryUrl, { credentials: "same-origin" });
  if (!response.ok) return;
  const data = await response.json();
  picker.hidden = false;
  const map = L.map(picker.querySelector(".bakehouse-point-map"), { scrollWheelZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  let marker = null;

  function place(latlng) {
    if (marker) marker.remove();
    marker = null;
    latitude.value = latlng ? latlng.lat.toFixed(6) : "";
    longitude.value = latlng ? latlng.lng.toFixed(6) : "";
    if (latlng) {
      marker = L.circleMarker(latlng, { radius: 8, color: "#0b0c0c", fillColor: "#ffdd00", fillOpacity: 1 }).addTo(map);
    }
  }

  const areas = L.geoJSON(data, {
    style: { color: "#1d70b8", weight: 2, fillOpacity: 0.1 },
    onEachFeature: (feature, layer) => {
      layer.on("click", (event) => {
        select.value = feature.properties.code;
        place(event.latlng);
      });
    },
  }).addTo(map);
  map.fitBounds(areas.getBounds());
  select.addEventListener("change", () => place(null));
  picker.querySelector(".bakehouse-point-clear").addEventListener("click", () => place(null));
  if (latitude.value && longitude.value) place(L.latLng(Number(latitude.value), Number(longitude.value)));
}

if (window.L) document.querySelectorAll(".bakehouse-place-picker").forEach(start);
