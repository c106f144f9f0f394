// File categories and formats. The category names are the provider's (case-sensitive, a file's
// `type`, and the values `?category=` accepts); format ids are integers, and files point at them
// with `formatId: "urn:cintoo:format:<id>"`. The document gives no values for a format's
// `description`, `icon`, `shareUrlType` or `categoryType`: the ones here are plausible stand-ins,
// and a client should not rely on them.

export const FILE_CATEGORIES = ['document', 'model', 'scan', 'media', 'miscfile', 'archive', 'geoImage', 'sitemap', 'modelReport', 'video3d', 'gaussian'] as const;
export type FileCategory = (typeof FILE_CATEGORIES)[number];

export interface Format {
  id: number;
  name: string;
  description: string;
  extension: string;
  icon: string;
  canBeUploaded: boolean;
  shareUrlType: string;
  categoryName: FileCategory;
  categoryDescription: string;
  categoryType: string;
}

/** Per category: a description, and the permission family that writes it (as categoryType). */
const CATEGORY_INFO: Record<FileCategory, [description: string, type: string]> = {
  document: ['Documents', 'documents'],
  model: ['CAD and BIM models', 'cad-model'],
  scan: ['Laser scans and point clouds', 'reality-data'],
  media: ['Images', 'documents'],
  miscfile: ['Other files', 'documents'],
  archive: ['Archives', 'documents'],
  geoImage: ['Geolocated images', 'reality-data'],
  sitemap: ['Site maps', 'reality-data'],
  modelReport: ['Model reports', 'model-reports'],
  video3d: ['360° videos', 'video3d'],
  gaussian: ['Gaussian splatting', 'reality-data'],
};

const FORMAT_LIST: [extension: string, name: string, category: FileCategory, canBeUploaded: boolean][] = [
  ['e57', 'ASTM E57', 'scan', true],
  ['las', 'LAS point cloud', 'scan', true],
  ['laz', 'LAZ point cloud', 'scan', true],
  ['ptx', 'Leica PTX', 'scan', true],
  ['pts', 'Leica PTS', 'scan', true],
  ['fls', 'FARO scan', 'scan', true],
  ['rcp', 'Autodesk ReCap project', 'scan', true],
  ['rcs', 'Autodesk ReCap scan', 'scan', true],
  ['ifc', 'IFC model', 'model', true],
  ['rvt', 'Revit model', 'model', true],
  ['nwd', 'Navisworks model', 'model', true],
  ['dwg', 'AutoCAD drawing', 'model', true],
  ['obj', 'Wavefront OBJ', 'model', true],
  ['pdf', 'PDF document', 'document', true],
  ['docx', 'Word document', 'document', true],
  ['xlsx', 'Excel workbook', 'document', true],
  ['csv', 'CSV table', 'document', true],
  ['txt', 'Text file', 'document', true],
  ['jpg', 'JPEG image', 'media', true],
  ['jpeg', 'JPEG image', 'media', true],
  ['png', 'PNG image', 'media', true],
  ['gif', 'GIF image', 'media', true],
  ['tiff', 'TIFF image', 'media', true],
  ['zip', 'ZIP archive', 'archive', true],
  ['360', '360° geolocated image', 'geoImage', true],
  ['map', 'Site map', 'sitemap', true],
  ['mp4', '360° video', 'video3d', true],
  ['ply', 'Gaussian splatting (PLY)', 'gaussian', true],
  ['spz', 'Gaussian splatting (SPZ)', 'gaussian', true],
  ['log', 'Log file', 'miscfile', true],
  ['cipm', 'Progress monitoring report (made by Cintoo, not uploaded)', 'modelReport', false],
  ['zfs', 'Z+F scan (upload through the desktop app only)', 'scan', false],
];

export const FORMATS: readonly Format[] = FORMAT_LIST.map(([extension, name, category, canBeUploaded], index) => ({
  id: index + 1,
  name,
  description: `${name} (.${extension})`,
  extension,
  icon: `icon-${category.toLowerCase()}`,
  canBeUploaded,
  shareUrlType: category === 'scan' || category === 'model' || category === 'gaussian' ? 'viewer' : 'download',
  categoryName: category,
  categoryDescription: CATEGORY_INFO[category][0],
  categoryType: CATEGORY_INFO[category][1],
}));

export function formatOf(extension: string): Format | undefined {
  const wanted = extension.toLowerCase();
  return FORMATS.find((format) => format.extension === wanted);
}

export const isCategory = (value: string): value is FileCategory => (FILE_CATEGORIES as readonly string[]).includes(value);
