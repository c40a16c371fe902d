// Draws the map of the chosen measure from the release's map data, with Leaflet and no tile
// server: the areas themselves are the map. Loaded as an external module after leaflet.js, so
// the Content Security Policy allows no inline script. The table below the map holds the same
// figures, for everyone who cannot see the map or runs no script.
const container = document.getElementById("area-map");

function popupFor(feature, index, measure) {
  // Built from text nodes: names and figures come from the release, never as markup.
  const box = document.createElement("div");
  const name = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = feature.properties.name;
  name.appendChild(strong);
  const figure = document.createElement("p");
  figure.textContent = `${measure.label}: ${feature.properties.figures[index]}`;
  box.append(name, figure);
  if (feature.properties.flagged) {
    const flagged = document.createElement("p");
    flagged.textContent = "Could use additional support.";
    box.appendChild(flagged);
  }
  const link = document.createElement("a");
  link.className = "govuk-link";
  link.href = feature.properties.url;
  link.textContent = `Open the profile of ${feature.properties.name}`;
  box.appendChild(link);
  return box;
}

function styleFor(index, measure) {
  return (feature) => ({
    fillColor: measure.bands[feature.properties.bands[index]].colour,
    fillOpacity: 0.9,
    color: "#0b0c0c",
    weight: feature.properties.flagged ? 3.5 : 0.75,
    opacity: 1,
  });
}

function showProblem() {
  container.closest("figure").hidden = true;
  document.getElementById("area-map-problem").hidden = false;
}

async function draw() {
  const response = await fetch(container.dataset.mapUrl, { credentials: "same-origin" });
  if (!response.ok) {
    showProblem();
    return;
  }
  const data = await response.json();
  const index = data.measures.findIndex((measure) => measure.id === container.dataset.measure);
  if (index < 0) {
    showProblem();
    return;
  }
  const measure = data.measures[index];
  const L = window.L;
  const map = L.map(container, { zoomSnap: 0.25, scrollWheelZoom: false });
  map.attributionControl.setPrefix("Leaflet");
  const layer = L.geoJSON(data, {
    style: styleFor(index, measure),
    attribution: "Boundaries: ONS (OGL v3), contains OS data © Crown copyright",
    onEachFeature: (feature, shape) => shape.bindPopup(() => popupFor(feature, index, measure)),
  }).addTo(map);
  // Flagged areas last, so their thick outlines are not hidden by their neighbours'.
  layer.eachLayer((shape) => {
    if (shape.feature.properties.flagged) {
      shape.bringToFront();
    }
  });
  map.fitBounds(layer.getBounds(), { padding: [8, 8] });
}

if (container && window.L) {
  draw().catch(showProblem);
} else if (container) {
  showProblem();
}
