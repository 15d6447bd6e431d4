import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Inject,
  Param,
  Patch,
  Post,
  Put,
  Query,
} from '@nestjs/common';
import { Context, type RequestContext } from '../context/request-context.js';
import { CollectionsService } from './collections.service.js';
import { optionalInt, U32_MAX } from '../http/query-params.js';
import * as res from '../http/response-schemas.js';
import * as schemas from '../http/schemas.js';
import { ApiRoute, errors } from '../openapi/contract.js';

/** limit and offset of the list routes. */
const PAGE = {
  limit: { type: 'integer', minimum: 0, maximum: U32_MAX },
  offset: { type: 'integer', minimum: 0, maximum: U32_MAX },
};

/** Tenants, databases and collections (Chroma v2). Transport only. */
@Controller('api/v2/tenants')
export class CollectionsController {
  constructor(@Inject(CollectionsService) private readonly service: CollectionsService) {}

  @Post()
  @HttpCode(200)
  @ApiRoute({
    operationId: 'create_tenant',
    summary: 'Create a tenant',
    tags: ['tenants'],
    body: schemas.createTenantSchema,
    response: res.emptySchema,
    errors: errors('body', 'backend', [409]),
  })
  createTenant(@Body() body: unknown) {
    return this.service.createTenant(body);
  }

  @Get(':tenant')
  @ApiRoute({
    operationId: 'get_tenant',
    summary: 'Get a tenant',
    tags: ['tenants'],
    response: res.tenantSchema,
    errors: errors('path', 'backend', [404]),
  })
  getTenant(@Context() ctx: RequestContext) {
    return this.service.getTenant(ctx);
  }

  @Patch(':tenant')
  @ApiRoute({
    operationId: 'update_tenant',
    summary: 'Set a tenant’s resource name',
    tags: ['tenants'],
    body: schemas.updateTenantSchema,
    response: res.emptySchema,
    errors: errors('path', 'body', 'backend', [404, 409]),
  })
  updateTenant(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.updateTenant(ctx, body);
  }

  @Post(':tenant/databases')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'create_database',
    summary: 'Create a database',
    tags: ['databases'],
    body: schemas.createDatabaseSchema,
    response: res.emptySchema,
    errors: errors('path', 'body', 'backend', [404, 409]),
  })
  createDatabase(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.createDatabase(ctx, body);
  }

  @Get(':tenant/databases')
  @ApiRoute({
    operationId: 'list_databases',
    summary: 'List databases',
    tags: ['databases'],
    query: PAGE,
    response: res.databasesSchema,
    errors: errors('path', 'backend', [404]),
  })
  listDatabases(
    @Context() ctx: RequestContext,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ) {
    return this.service.listDatabases(
      ctx,
      optionalInt(limit, 'limit'),
      optionalInt(offset, 'offset'),
    );
  }

  @Get(':tenant/databases/:database')
  @ApiRoute({
    operationId: 'get_database',
    summary: 'Get a database',
    tags: ['databases'],
    response: res.databaseSchema,
    errors: errors('path', 'backend', [404]),
  })
  getDatabase(@Context() ctx: RequestContext) {
    return this.service.getDatabase(ctx);
  }

  @Delete(':tenant/databases/:database')
  @ApiRoute({
    operationId: 'delete_database',
    summary: 'Delete a database and its collections',
    tags: ['databases'],
    response: res.emptySchema,
    errors: errors('path', 'backend', [404]),
  })
  deleteDatabase(@Context() ctx: RequestContext) {
    return this.service.deleteDatabase(ctx);
  }

  @Post(':tenant/databases/:database/collections')
  @HttpCode(200)
  @ApiRoute({
    operationId: 'create_collection',
    summary: 'Create (or get) a collection',
    tags: ['collections'],
    body: schemas.createCollectionSchema,
    response: res.collectionSchema,
    errors: errors('path', 'body', 'backend', [404, 409]),
  })
  createCollection(@Context() ctx: RequestContext, @Body() body: unknown) {
    return this.service.createCollection(ctx, body);
  }

  @Get(':tenant/databases/:database/collections')
  @ApiRoute({
    operationId: 'list_collections',
    summary: 'List collections (creation order)',
    tags: ['collections'],
    query: PAGE,
    response: res.collectionsSchema,
    errors: errors('path', 'backend', [404]),
  })
  listCollections(
    @Context() ctx: RequestContext,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ) {
    return this.service.listCollections(
      ctx,
      optionalInt(limit, 'limit'),
      optionalInt(offset, 'offset'),
    );
  }

  @Get(':tenant/databases/:database/collections_count')
  @ApiRoute({
    operationId: 'count_collections',
    summary: 'Number of collections',
    tags: ['collections'],
    response: res.countSchema,
    errors: errors('path', 'backend', [404]),
  })
  countCollections(@Context() ctx: RequestContext) {
    return this.service.countCollections(ctx);
  }

  @Get(':tenant/databases/:database/collections/by-id/:id')
  @ApiRoute({
    operationId: 'get_collection_by_id',
    summary: 'Get a collection by id',
    tags: ['collections'],
    response: res.collectionSchema,
    errors: errors('path', 'backend', [404]),
  })
  getCollectionById(@Context() ctx: RequestContext, @Param('id') id: string) {
    return this.service.getById(ctx, id);
  }

  @Get(':tenant/databases/:database/collections/:name')
  @ApiRoute({
    operationId: 'get_collection',
    summary: 'Get a collection by NAME (the path segment is a name here)',
    tags: ['collections'],
    response: res.collectionSchema,
    errors: errors('path', 'backend', [404]),
  })
  getCollection(@Context() ctx: RequestContext, @Param('name') name: string) {
    return this.service.getByName(ctx, name);
  }

  @Put(':tenant/databases/:database/collections/:id')
  @ApiRoute({
    operationId: 'update_collection',
    summary: 'Rename, replace metadata or update configuration (by id)',
    tags: ['collections'],
    body: schemas.updateCollectionSchema,
    response: res.emptySchema,
    errors: errors('path', 'body', 'backend', [404, 409]),
  })
  updateCollection(@Context() ctx: RequestContext, @Param('id') id: string, @Body() body: unknown) {
    return this.service.update(ctx, id, body);
  }

  @Delete(':tenant/databases/:database/collections/:name')
  @ApiRoute({
    operationId: 'delete_collection',
    summary: 'Delete a collection by NAME',
    tags: ['collections'],
    response: res.emptySchema,
    errors: errors('path', 'backend', [404]),
  })
  deleteCollection(@Context() ctx: RequestContext, @Param('name') name: string) {
    return this.service.deleteByName(ctx, name);
  }
}
