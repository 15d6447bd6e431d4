import { Body, Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { Context, type RequestContext } from '../context/request-context.js';
import { CollectionExtrasService } from './collection-extras.service.js';
import * as res from '../http/response-schemas.js';
import * as schemas from '../http/schemas.js';
import { ApiRoute, errors } from '../openapi/contract.js';

const COLLECTION = 'tenants/:tenant/databases/:database/collections/:id';

/** Fork, fork count, indexing status, lookup by CRN, search. Transport only. */
@Controller('api/v2')
export class CollectionExtrasController {
  constructor(@Inject(CollectionExtrasService) private readonly service: CollectionExtrasService) {}

  @Post(`${COLLECTION}/fork`)
  @HttpCode(200)
  @ApiRoute({
    operationId: 'fork_collection',
    summary:
      'Fork a collection copy-on-write (shares segments and log up to now; also on single-node)',
    tags: ['collections'],
    body: schemas.forkCollectionSchema,
    response: res.collectionSchema,
    errors: errors('path', 'body', 'backend', [404, 409]),
  })
  fork(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.service.fork(ctx, id, body);
  }

  @Get(`${COLLECTION}/fork_count`)
  @ApiRoute({
    operationId: 'fork_count',
    summary: 'Live forks in the collection’s lineage tree',
    tags: ['collections'],
    response: res.forkCountSchema,
    errors: errors('path', 'backend', [404]),
  })
  forkCount(@Context() ctx: RequestContext, @Param('id') id: string) {
    return this.service.forkCount(ctx, id);
  }

  @Get(`${COLLECTION}/indexing_status`)
  @ApiRoute({
    operationId: 'indexing_status',
    summary: 'Compaction lag: indexed and unindexed ops, progress (0..1)',
    tags: ['collections'],
    response: res.indexingStatusSchema,
    errors: errors('path', 'backend', [404]),
  })
  indexingStatus(@Context() ctx: RequestContext, @Param('id') id: string) {
    return this.service.indexingStatus(ctx, id);
  }

  @Post(`${COLLECTION}/search`)
  @HttpCode(200)
  @ApiRoute({
    operationId: 'collection_search',
    summary: 'Search API: not supported by HueDB yet (501 for a well-formed request)',
    description:
      'HueDB answers every well-formed search with 501 (docs/compatibility.md); the success schema is a placeholder until it is served.',
    tags: ['records'],
    body: schemas.searchSchema,
    response: res.emptySchema,
    errors: errors('path', 'body', 'backend', [404, 501]),
  })
  search(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.service.search(ctx, id, body);
  }

  @Get('collections/:crn')
  @ApiRoute({
    operationId: 'get_collection_by_crn',
    summary: 'Get a collection by Chroma resource name tenant_resource_name:database:collection',
    tags: ['collections'],
    response: res.collectionSchema,
    errors: errors('path', 'backend', [404]),
  })
  getByCrn(@Param('crn') crn: string) {
    return this.service.getByCrn(crn);
  }
}
