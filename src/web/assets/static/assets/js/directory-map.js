// Draws the places of the services listed, with Leaflet and no tile server (as the area maps
// do): the small areas of the districts the register serves, in grey, for orientation; each
// place a circle that opens a link to its service; and the postcode searched from. The
// places come from a JSON block in the page (json_script), never as markup; the list beside
// the map holds every service and address, for everyone who cannot see the map or runs no
// script. Loaded as an external module, so the Content Security Policy allows no inline
// script.
const container = document.getElementById("services-map");

function popupFor(place) {
  // Built from text nodes: names come from the register, never as markup.
  const box = document.createElement("div");
  const link = document.createElement("a");
  link.className = "govuk-link";
  link.href = place.url;
  link.textContent = place.service;
  const where = document.createElement("p");
  where.textContent = place.place;
  box.append(link, where);
  return box;
}

function hide() {
  container.closest("figure").hidden = true;
}

async function drawBoundaries(map) {
  const response = await fetch(container.dataset.boundariesUrl, { credentials: "same-origin" });
  if (!response.ok) {
    return;
  }
  const layer = window.L.geoJSON(await response.json(), {
    style: { color: "#6f777b", weight: 0.75, fillColor: "#f3f2f1", fillOpacity: 1 },
    interactive: false,
    attribution: "Boundaries: ONS (OGL v3), contains OS data © Crown copyright",
  });
  layer.addTo(map);
  layer.bringToBack();
}

function draw() {
  const data = JSON.parse(document.getElementById(container.dataset.points).textContent);
  const L = window.L;
  const map = L.map(container, { scrollWheelZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  const markers = L.featureGroup();
  for (const place of data.places) {
    L.circleMarker([place.latitude, place.longitude], {
      radius: 8,
      color: "#0b0c0c",
      weight: 2,
      fillColor: "#005a55",
      fillOpacity: 0.9,
    })
      .bindPopup(() => popupFor(place))
      .addTo(markers);
  }
  if (data.centre) {
    L.circleMarker([data.centre.latitude, data.centre.longitude], {
      radius: 6,
      color: "#0b0c0c",
      weight: 3,
      fillColor: "#0b0c0c",
      fillOpacity: 1,
    })
      .bindTooltip(data.centre.postcode)
      .addTo(markers);
  }
  markers.addTo(map);
  map.fitBounds(markers.getBounds(), { padding: [24, 24], maxZoom: 15 });
  // The places are drawn already; the background follows when it arrives, or not at all.
  drawBoundaries(map).catch(() => {});
}

if (container && window.L) {
  try {
    draw();
  } catch {
    hide();
  }
} else if (container) {
  hide();
}
